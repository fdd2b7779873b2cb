/*
 * echo - an echo server and three clients.
 *
 * The root task makes one endpoint and mints a badged copy of it for each
 * client (badges 1, 2, 3). The server holds the unbadged original and
 * loops in ReplyRecv: every message arrives with the badge of the cap the
 * client called through, so the server knows who is asking without the
 * client saying so, and cannot be lied to. The clients use Call, which
 * sends and then waits for the reply in one system call.
 *
 * A message is text packed into message registers: the label is its
 * length in bytes, the words follow. The server echoes it in capitals.
 *
 *   mica run echo --trace echo.json     then open echo.json in ui.perfetto.dev
 *   mica run echo --cpus 2 --trace echo.json   clients on both CPUs, one track group per CPU
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "../examples.h"

#define CLIENTS 3

static mica_cptr_t server_ep;               /* the original: Read, to receive */
static mica_cptr_t client_ep[CLIENTS + 1];  /* badged copies, indexed by badge */

/* Put text into the message registers; return the message info to send. */
static mica_msginfo_t put_text(const char *text)
{
    mica_word_t words[MICA_MSG_MAX_LENGTH] = { 0 };
    size_t len = strlen(text);
    if (len > sizeof words)
        len = sizeof words;
    memcpy(words, text, len);
    size_t n = (len + sizeof(mica_word_t) - 1) / sizeof(mica_word_t);
    for (size_t i = 0; i < n; i++)
        mica_set_mr((int)i, words[i]);
    return mica_msginfo_new(len, 0, 0, n);
}

/* Take the text of a received message out of the message registers. */
static void get_text(mica_msginfo_t info, char *buf, size_t size)
{
    mica_word_t words[MICA_MSG_MAX_LENGTH] = { 0 };
    size_t n = mica_msginfo_get_length(info), len = mica_msginfo_get_label(info);
    for (size_t i = 0; i < n && i < MICA_MSG_MAX_LENGTH; i++)
        words[i] = mica_get_mr((int)i);
    if (len > n * sizeof(mica_word_t))
        len = n * sizeof(mica_word_t);
    if (len >= size)
        len = size - 1;
    memcpy(buf, words, len);
    buf[len] = 0;
}

static void server(mica_word_t arg)
{
    (void)arg;
    char text[256];
    mica_word_t badge;

    printf("server: waiting for requests\n");
    mica_msginfo_t info = mica_recv(server_ep, &badge);
    for (;;) {
        get_text(info, text, sizeof text);
        printf("server: '%s' from client %lu (badge %lu)\n", text, (unsigned long)badge,
               (unsigned long)badge);
        for (char *p = text; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        /* Reply to this client and wait for the next one, in one system call. */
        info = mica_reply_recv(server_ep, put_text(text), &badge);
    }
}

static void client(mica_word_t id)
{
    static const char *const lines[] = { "hello from client %lu", "goodbye from client %lu" };
    char text[64], reply[256];

    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        snprintf(text, sizeof text, lines[i], (unsigned long)id);
        mica_msginfo_t info = mica_call(client_ep[id], put_text(text));
        get_text(info, reply, sizeof reply);
        printf("client%lu: sent '%s', got back '%s'\n", (unsigned long)id, text, reply);
    }
}

void example_echo_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_env_init(&env, bi);

    server_ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    if (!server_ep) {
        printf("echo: cannot make the endpoint: %s\n", mica_error_name(env.error));
        return;
    }
    /* Clients may send (Write) and be replied to (GrantReply), nothing else. */
    mica_cap_rights_t client_rights = mica_cap_rights_new(1, 0, 0, 1);
    for (mica_word_t b = 1; b <= CLIENTS; b++)
        client_ep[b] = mica_env_mint(&env, server_ep, client_rights, b);

    /* The server runs above the clients, so it is always back in ReplyRecv first. */
    mica_thread_spawn(&env, "server", server, 0, 200);
    for (mica_word_t b = 1; b <= CLIENTS; b++) {
        char name[16];
        snprintf(name, sizeof name, "client%lu", (unsigned long)b);
        mica_cptr_t tcb = client_ep[b] ? mica_thread_spawn(&env, name, client, b, 100) : 0;
        if (!tcb)
            printf("echo: cannot start %s: %s\n", name, mica_error_name(env.error));
        /* With several CPUs (mica run echo --cpus 2) the clients are spread over them. */
        else if (bi->num_nodes > 1)
            mica_tcb_set_affinity(tcb, b % bi->num_nodes);
    }
    printf("root: started a server and %d clients; the root task is done\n", CLIENTS);
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_echo_root, NULL);
}
#endif

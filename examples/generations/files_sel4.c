/*
 * files_sel4 - the three-generations file service, seL4 style (third
 * generation): a server process and a client process, an endpoint between
 * them, and the interface files3.mi compiled by mica-idlc into the client's
 * stubs (files3_open, ...) and the server's dispatcher, which checks every
 * request (lengths, string bounds, unknown methods) before a handler runs.
 *
 * Authority is a capability: the client holds a copy of the server's
 * endpoint badged with its id, and the server learns who asks from the
 * badge alone. The request and its data travel in one message: registers
 * for the first four words, the rest copied once by the kernel from the
 * client's IPC buffer into the server's.
 *
 *     build/examples/generations/files_sel4 [--log]
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "files3.h"

#define NFILES 4
#define FILE_BYTES 256
#define NHANDLES 4

/* --- the server ------------------------------------------------------------------ */

typedef struct file {
    char name[25];
    uint32_t size;
    uint8_t data[FILE_BYTES];
} file_t;

typedef struct server {
    file_t files[NFILES];
    int open_file[NHANDLES];        /* handle -> file index, -1 = free */
    mica_word_t owner[NHANDLES];    /* the badge that opened it */
} server_t;

static int handle_file(server_t *s, mica_word_t badge, uint32_t h)
{
    return h < NHANDLES && s->open_file[h] >= 0 && s->owner[h] == badge ? s->open_file[h] : -1;
}

static int do_open(void *ctx, mica_word_t badge, uint32_t create, const char *name, uint32_t *handle)
{
    server_t *s = ctx;
    int f = -1;
    for (int i = 0; i < NFILES && f < 0; i++)
        if (s->files[i].name[0] && strcmp(s->files[i].name, name) == 0)
            f = i;
    for (int i = 0; i < NFILES && f < 0 && create; i++)
        if (!s->files[i].name[0]) {
            snprintf(s->files[i].name, sizeof s->files[i].name, "%s", name);
            f = i;
        }
    if (f < 0)
        return create ? FILES3_NO_SPACE : FILES3_NOT_FOUND;
    for (uint32_t h = 0; h < NHANDLES; h++)
        if (s->open_file[h] < 0) {
            s->open_file[h] = f;
            s->owner[h] = badge;
            *handle = h;
            return FILES3_OK;
        }
    return FILES3_NO_SPACE;
}

static int do_write(void *ctx, mica_word_t badge, uint32_t h, uint32_t offset, const uint8_t *data,
                    uint32_t len, uint32_t *count)
{
    server_t *s = ctx;
    int f = handle_file(s, badge, h);
    if (f < 0)
        return FILES3_BAD_HANDLE;
    if (offset > FILE_BYTES || len > FILE_BYTES - offset)
        return FILES3_NO_SPACE;
    memcpy(s->files[f].data + offset, data, len);
    if (offset + len > s->files[f].size)
        s->files[f].size = offset + len;
    *count = len;
    return FILES3_OK;
}

static int do_read(void *ctx, mica_word_t badge, uint32_t h, uint32_t offset, uint32_t max,
                   uint8_t *data, uint32_t *len)
{
    server_t *s = ctx;
    int f = handle_file(s, badge, h);
    if (f < 0)
        return FILES3_BAD_HANDLE;
    uint32_t size = s->files[f].size, n = offset < size ? size - offset : 0;
    if (n > max)
        n = max;
    if (n > FILE_BYTES)
        n = FILE_BYTES;
    memcpy(data, s->files[f].data + offset, n);
    *len = n;
    return FILES3_OK;
}

static int do_close(void *ctx, mica_word_t badge, uint32_t h)
{
    server_t *s = ctx;
    if (handle_file(s, badge, h) < 0)
        return FILES3_BAD_HANDLE;
    s->open_file[h] = -1;
    return FILES3_OK;
}

static const files3_ops_t ops = {
    .open = do_open, .write = do_write, .read = do_read, .close = do_close,
};

static void server_main(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    static server_t s;
    memset(&s, 0, sizeof s);
    for (int h = 0; h < NHANDLES; h++)
        s.open_file[h] = -1;
    files3_serve(ep, &ops, &s, NULL);
}

/* --- the client ------------------------------------------------------------------- */

static void client_main(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    files3_client_t c = { .ep = ep };
    const char *text = "hello, generations";
    uint32_t h = 0, count = 0, len = 0, other = 0;
    char got[FILE_BYTES + 1];
    int requests = 0;

    requests++;
    if (files3_open(&c, 1, "greeting", &h) != FILES3_OK)
        return;
    printf("client: open greeting -> handle %u\n", h);
    requests++;
    if (files3_write(&c, h, 0, text, (uint32_t)strlen(text), &count) != FILES3_OK)
        return;
    printf("client: wrote %u bytes\n", count);
    requests++;
    if (files3_read(&c, h, 0, 64, got, &len) != FILES3_OK)
        return;
    got[len] = '\0';
    printf("client: read \"%s\"\n", got);
    requests++;
    int r = files3_open(&c, 0, "missing", &other);
    printf("client: open missing -> %s\n", r == FILES3_NOT_FOUND ? "not found" : "?");
    requests++;
    if (files3_close(&c, h) != FILES3_OK)
        return;
    printf("client: closed, %d requests\n", requests);
}

/* --- the root task: two processes and the capability that joins them --------------- */

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_process_t server, client;
    mica_env_init(&env, bi);
    files3_trace_register();        /* --log names the requests: files3.open, ... */
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_process_config_t scfg = { .name = "files", .prio = 150 };
    mica_process_config_t ccfg = { .name = "client", .prio = 100 };
    if (!ep || mica_process_create(&env, &scfg, &server) != MICA_NO_ERROR ||
        mica_process_create(&env, &ccfg, &client) != MICA_NO_ERROR) {
        printf("root: cannot make the processes: %s\n", mica_env_error_text(&env));
        return;
    }
    /* The server may receive; the client may only call, and its badge is its id. */
    mica_cptr_t srv_ep = mica_process_give(&server, ep, MICA_ALL_RIGHTS, 0);
    mica_cptr_t cli_ep = mica_process_give(&client, ep, mica_cap_rights_new(1, 0, 0, 1), 1);
    mica_process_start(&server, server_main, srv_ep, 0, 0, 0);
    mica_process_start(&client, client_main, cli_ep, 0, 0, 0);
}

int main(int argc, char **argv)
{
    return mica_main(argc, argv, root, NULL);
}

/*
 * files_l4 - the file service of README.md on the L4 personality.
 *
 * The server is a task; its clients name it by thread id and call it with
 * l4_ipc_call: the operation, a handle and a number travel in the two
 * register words, a file name or the bytes of a write as an indirect
 * string; the bytes of a read come back as a string in the reply. The
 * server knows a client by the sender id the kernel (l4man's badge) tells
 * it, and keeps each client's open handles under that id: another client
 * cannot use them.
 *
 *   build/examples/generations/files_l4
 *   build/examples/generations/files_l4 --log -     the IPC, one line per event
 */
#include <stdio.h>
#include <string.h>
#include <l4/l4.h>

#define FILES 4
#define FILE_BYTES 256
#define NAME_BYTES 32
#define CLIENTS 4
#define HANDLES 4

/* w0 of a request: op | handle << 8 | arg << 16; w1: an offset. Reply: r0 status, r1 a value. */
enum { OP_OPEN = 1, OP_WRITE, OP_READ, OP_CLOSE };
enum { ST_OK = 0, ST_NOT_FOUND, ST_BAD_HANDLE, ST_NO_SPACE, ST_BAD_REQUEST };

#define SERVER_TASK 5
#define CLIENT_TASK 6
#define STATE_VADDR 0x400000ul      /* where sigma0 gives a task pages */

/* --- the server ----------------------------------------------------------------------- */

typedef struct {
    bool used;
    char name[NAME_BYTES];
    char data[FILE_BYTES];
    l4_umword_t len;
} file_t;

typedef struct {
    bool used;
    l4_threadid_t id;
    int handle[HANDLES];        /* file index, or -1 */
} client_t;

typedef struct {
    file_t files[FILES];
    client_t clients[CLIENTS];
} server_state_t;

static client_t *client_of(server_state_t *s, l4_threadid_t id)
{
    client_t *free = NULL;
    for (int i = 0; i < CLIENTS; i++) {
        if (s->clients[i].used && l4_thread_equal(s->clients[i].id, id))
            return &s->clients[i];
        if (!s->clients[i].used && !free)
            free = &s->clients[i];
    }
    if (free) {
        free->used = true;
        free->id = id;
        for (int h = 0; h < HANDLES; h++)
            free->handle[h] = -1;
    }
    return free;
}

static int file_of(client_t *c, l4_umword_t h)
{
    return h < HANDLES ? c->handle[h] : -1;
}

/* One request: the status, *value, and (for a read) the bytes in out/out_len. */
static l4_umword_t serve(server_state_t *s, client_t *c, l4_umword_t w0, l4_umword_t w1,
                         const char *str, l4_umword_t str_len, l4_umword_t *value,
                         char *out, l4_umword_t *out_len)
{
    l4_umword_t op = w0 & 0xff, h = (w0 >> 8) & 0xff, arg = w0 >> 16;
    int f = file_of(c, h);
    switch (op) {
    case OP_OPEN: {
        char name[NAME_BYTES] = { 0 };
        if (str_len == 0 || str_len >= NAME_BYTES)
            return ST_BAD_REQUEST;
        memcpy(name, str, str_len);
        int found = -1, free_file = -1, free_h = -1;
        for (int i = 0; i < FILES; i++) {
            if (s->files[i].used && strcmp(s->files[i].name, name) == 0)
                found = i;
            if (!s->files[i].used && free_file < 0)
                free_file = i;
        }
        for (int i = HANDLES - 1; i >= 0; i--)
            if (c->handle[i] < 0)
                free_h = i;
        if (found < 0 && !arg)
            return ST_NOT_FOUND;
        if (free_h < 0 || (found < 0 && free_file < 0))
            return ST_NO_SPACE;
        if (found < 0) {
            found = free_file;
            memset(&s->files[found], 0, sizeof s->files[found]);
            s->files[found].used = true;
            memcpy(s->files[found].name, name, sizeof name);
        }
        c->handle[free_h] = found;
        *value = (l4_umword_t)free_h;
        return ST_OK;
    }
    case OP_WRITE:
        if (f < 0)
            return ST_BAD_HANDLE;
        if (w1 > FILE_BYTES || str_len > FILE_BYTES - w1)
            return ST_NO_SPACE;
        memcpy(s->files[f].data + w1, str, str_len);
        if (w1 + str_len > s->files[f].len)
            s->files[f].len = w1 + str_len;
        *value = str_len;
        return ST_OK;
    case OP_READ:
        if (f < 0)
            return ST_BAD_HANDLE;
        *out_len = w1 >= s->files[f].len ? 0 : s->files[f].len - w1;
        if (*out_len > arg)
            *out_len = arg;
        memcpy(out, s->files[f].data + w1, *out_len);
        *value = *out_len;
        return ST_OK;
    case OP_CLOSE:
        if (f < 0)
            return ST_BAD_HANDLE;
        c->handle[h] = -1;
        return ST_OK;
    }
    return ST_BAD_REQUEST;
}

static void server(l4_umword_t arg)
{
    (void)arg;
    /* The server's state lives in its own address space: sigma0 maps zeroed
     * pages there on the first touch. */
    server_state_t *state = mica_vaddr_to_ptr(STATE_VADDR);
    char in[FILE_BYTES], out[FILE_BYTES];
    l4_msg_t rcv = { 0 }, snd = { 0 };
    rcv.size_dope.md.strings = 1;
    rcv.str[0].rcv_str = in;
    rcv.str[0].rcv_size = sizeof in;
    snd.snd_dope.md.strings = 1;
    snd.str[0].snd_str = out;
    l4_threadid_t src;
    l4_umword_t w0, w1;
    l4_msgdope_t dope;
    int e = l4_ipc_wait(&src, &rcv, &w0, &w1, L4_IPC_NEVER, &dope);
    for (;;) {
        l4_umword_t value = 0, out_len = 0, status = ST_BAD_REQUEST;
        client_t *c = client_of(state, src);
        if (e == 0 && c) {
            l4_umword_t len = dope.md.strings ? rcv.str[0].snd_size : 0;
            status = serve(state, c, w0, w1, in, len, &value, out, &out_len);
        }
        snd.str[0].snd_size = out_len;
        rcv.str[0].rcv_size = sizeof in;
        e = l4_ipc_reply_and_wait(src, out_len ? &snd : NULL, status, value, &src, &rcv, &w0, &w1,
                                  L4_IPC_NEVER, &dope);
    }
}

/* --- the client ----------------------------------------------------------------------- */

static l4_umword_t call(l4_threadid_t srv, l4_umword_t w0, l4_umword_t w1, const char *str,
                        l4_umword_t len, char *buf, l4_umword_t size, l4_umword_t *value)
{
    l4_msg_t m = { 0 };
    m.snd_dope.md.strings = str ? 1 : 0;
    m.str[0].snd_str = str;
    m.str[0].snd_size = len;
    m.size_dope.md.strings = buf ? 1 : 0;
    m.str[0].rcv_str = buf;
    m.str[0].rcv_size = size;
    l4_umword_t status = ST_BAD_REQUEST;
    l4_msgdope_t dope;
    if (l4_ipc_call(srv, &m, w0, w1, &m, &status, value, L4_IPC_NEVER, &dope) != 0)
        return ST_BAD_REQUEST;
    if (buf && size)
        buf[dope.md.strings ? (m.str[0].snd_size < size ? m.str[0].snd_size : size - 1) : 0] = 0;
    return status;
}

static void client(l4_umword_t server_raw)
{
    l4_threadid_t srv = { .raw = server_raw };
    const char *text = "hello, generations";
    l4_umword_t h = 0, n = 0, requests = 0;
    char buf[FILE_BYTES + 1];

    requests++;
    if (call(srv, OP_OPEN | (1ul << 16), 0, "greeting", 8, NULL, 0, &h) != ST_OK) {
        printf("client: open greeting failed\n");
        return;
    }
    printf("client: open greeting -> handle %lu\n", (unsigned long)h);
    requests++;
    if (call(srv, OP_WRITE | (h << 8), 0, text, strlen(text), NULL, 0, &n) == ST_OK)
        printf("client: wrote %lu bytes\n", (unsigned long)n);
    requests++;
    if (call(srv, OP_READ | (h << 8) | ((l4_umword_t)FILE_BYTES << 16), 0, NULL, 0, buf, sizeof buf, &n) == ST_OK)
        printf("client: read \"%s\"\n", buf);
    requests++;
    l4_umword_t st = call(srv, OP_OPEN, 0, "missing", 7, NULL, 0, &n);
    printf("client: open missing -> %s\n", st == ST_NOT_FOUND ? "not found" : "found?");
    requests++;
    if (call(srv, OP_CLOSE | (h << 8), 0, NULL, 0, NULL, 0, &n) == ST_OK)
        printf("client: closed, %lu requests\n", (unsigned long)requests);
}

/* --- the system ------------------------------------------------------------------------- */

static void init(l4_umword_t arg)
{
    (void)arg;
    /* The server runs above the client, so it waits before the first call. */
    l4_threadid_t srv = l4_task_new(l4_id(SERVER_TASK, 0), 100, server, 0, L4_NIL_ID);
    if (l4_is_nil_id(srv) ||
        l4_is_nil_id(l4_task_new(l4_id(CLIENT_TASK, 0), 90, client, srv.raw, L4_NIL_ID)))
        printf("files_l4: cannot start the tasks\n");
}

static void root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static mica_env_t env;
    mica_env_init(&env, bi);
    if (l4man_start(&env, init, 0, 50) != 0)
        printf("files_l4: cannot start l4man\n");
}

int main(int argc, char **argv)
{
    return mica_main(argc, argv, root, NULL);
}

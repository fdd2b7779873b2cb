/*
 * ramfs - a file server used by three client processes at once.
 *
 *   server   a process with an in-memory file system: a table of up to 8
 *            files and their data, in pages mapped in its own VSpace (no
 *            client can reach them). It loops in mica_server_loop and
 *            answers open/read/write/close/list (protocol: ramfs.h).
 *   client1..3  processes, each with its own CSpace and VSpace, holding
 *            a copy of the server's endpoint badged with its id, and one
 *            frame it shares with the server (mapped at 0x10000000 in the
 *            client, at 0x10100000 + id * 4 KiB in the server).
 *
 * The protocol is an interface, files.mi: mica-idlc generates the client
 * stubs (files_open, files_read, ...) and the server's dispatcher, which
 * checks every request before a handler sees it. A request is small - a
 * label and a few words in message registers - and the data goes through
 * the shared frame as a lease: to write a file the client puts the bytes
 * in its frame and passes a pointer and length into it; to read, the
 * server copies into the frame and says how many bytes it put there. The
 * server knows whose frame to use from the badge alone.
 *
 * Each client writes its own file in two writes and signs a shared
 * guestbook (an append-only file); when all have written (the root task
 * keeps them in step with notifications), each reads back its own file and
 * its neighbour's and checks every byte. Then client1 lists the
 * directory, client2 prints the guestbook, and client3 shows three error
 * replies. At the end the root asks the server to stop, and the server
 * prints a one-line summary.
 */
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "../examples.h"
#include "ramfs.h"
#include "ramfs_server.h"

#define FS_VADDR      0x10000000ul      /* the server's file system */
#define CLIENT_BUFFER 0x10000000ul      /* the same frame, in the client */

/* --- the server (its request handling: ramfs_server.h) ----------------------------- */

static void server_main(mica_word_t ep, mica_word_t r1, mica_word_t r2, mica_word_t r3)
{
    (void)r1; (void)r2; (void)r3;
    mica_server_loop(ep, ramfs_serve, mica_vaddr_to_ptr(FS_VADDR));   /* fresh frames: all zero */
}

/* --- the clients ------------------------------------------------------------------------ */

/* What client id's file holds: a title line and 20 * id numbered lines. */
static size_t file_text(mica_word_t id, char *out, size_t size)
{
    size_t len = (size_t)snprintf(out, size, "the file of client%lu\n", id);
    for (mica_word_t line = 1; line <= 20 * id && len < size; line++)
        len += (size_t)snprintf(out + len, size - len, "line %lu of client%lu's file\n", line, id);
    return len < size ? len : size - 1;
}

/* Read all of name into out, 1000 bytes per request; the number of bytes. */
static size_t read_file(files_client_t *c, const char *name, char *out, size_t size, int *reads)
{
    uint32_t fd, n = 0;
    size_t len = 0;
    if (files_open(c, 0, name, &fd) != FILES_OK)
        return 0;
    for (*reads = 0; len < size; len += n) {
        uint32_t want = size - len < 1000 ? (uint32_t)(size - len) : 1000;
        if (files_read(c, fd, len, c->win, want, &n) != FILES_OK || n == 0)
            break;
        memcpy(out + len, c->win, n);
        ++*reads;
    }
    files_close(c, fd);
    return len;
}

static void client_main(mica_word_t id, mica_word_t ep, mica_word_t to_root, mica_word_t go)
{
    char *buf = mica_vaddr_to_ptr(CLIENT_BUFFER);   /* shared with the server */
    files_client_t c = { .ep = ep, .win = buf, .win_bytes = RAMFS_BUFFER_SIZE };
    char mine[RAMFS_NAME_MAX], want[RAMFS_BUFFER_SIZE], got[RAMFS_BUFFER_SIZE];
    uint32_t fd, n;
    mica_word_t badge;

    /* 1. My file, in two writes: put the bytes in the buffer, pass offsets and lengths. */
    snprintf(mine, sizeof mine, "client%lu.txt", id);
    size_t len = file_text(id, want, sizeof want), half = len / 2;
    memcpy(buf, want, len);
    files_open(&c, RAMFS_CREATE | RAMFS_TRUNC, mine, &fd);
    files_write(&c, fd, 0, buf, (uint32_t)half, &n);
    files_write(&c, fd, half, buf + half, (uint32_t)(len - half), &n);
    files_close(&c, fd);
    printf("client%lu: wrote %s, %zu bytes in 2 writes\n", id, mine, len);
    /* 2. The guestbook: every write through an append fd goes at the end. */
    uint32_t note = (uint32_t)snprintf(buf, RAMFS_BUFFER_SIZE, "client%lu was here\n", id);
    files_open(&c, RAMFS_CREATE | RAMFS_APPEND, "guestbook", &fd);
    files_write(&c, fd, 0, buf, note, &n);
    files_close(&c, fd);

    /* 3. Wait until every client has written its file. */
    mica_signal(to_root);
    mica_wait(go, &badge);

    /* 4. Read back my file and my neighbour's, and check every byte. */
    for (mica_word_t who = id, k = 0; k < 2; k++, who = id % CLIENTS + 1) {
        char name[RAMFS_NAME_MAX];
        int reads = 0;
        snprintf(name, sizeof name, "client%lu.txt", who);
        len = file_text(who, want, sizeof want);
        size_t got_len = read_file(&c, name, got, sizeof got, &reads);
        printf("client%lu: read %s, %zu bytes in %d reads: %s\n", id, name, got_len, reads,
               got_len == len && memcmp(got, want, len) == 0 ? "as written" : "WRONG");
    }

    /* 5. One more thing each: list the directory, print the guestbook, make mistakes. */
    if (id == 1) {
        uint32_t bytes = 0, nfiles = 0;
        files_list(&c, buf, RAMFS_BUFFER_SIZE, &bytes, &nfiles);
        printf("client1: ls: %u files\n%.*s", nfiles, (int)bytes, buf);
    } else if (id == 2) {
        int reads;
        size_t got_len = read_file(&c, "guestbook", got, sizeof got - 1, &reads);
        got[got_len] = 0;
        printf("client2: the guestbook says:\n%s", got);
    } else {
        files_open(&c, 0, "guestbook", &fd);
        printf("client3: open 'no-such-file': %s\n",
               ramfs_status_name(files_open(&c, 0, "no-such-file", &n)));
        printf("client3: read fd 3, which is not open: %s\n",
               ramfs_status_name(files_read(&c, 3, 0, buf, 10, &n)));
        /* Past the end of the frame: the stub refuses it (MICA_IDL_BAD_LEASE) unsent. */
        printf("client3: read 200 bytes into the buffer at 4000: %s\n",
               ramfs_status_name(files_read(&c, fd, 0, buf + 4000, 200, &n)));
        files_close(&c, fd);
    }
    printf("client%lu: done\n", id);
    mica_signal(to_root);
}

/* --- the root task --------------------------------------------------------------------- */

/* Wait until all clients have signalled (each with its own badge bit). */
static void wait_for_clients(mica_cptr_t ntfn)
{
    mica_word_t seen = 0, badge;
    while (seen != (2ul << CLIENTS) - 2) {
        mica_wait(ntfn, &badge);
        seen |= badge;
    }
}

void example_ramfs_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    mica_env_t env;
    mica_process_t server, client[CLIENTS + 1];
    mica_env_init(&env, bi);
    files_trace_register();      /* --log names the requests: files.open, ... */
    mica_cptr_t ep = mica_env_make(&env, MICA_ENDPOINT_OBJECT, 0);
    mica_cptr_t to_root = mica_env_make(&env, MICA_NOTIFICATION_OBJECT, 0);
    mica_cptr_t go = mica_env_make_n(&env, MICA_NOTIFICATION_OBJECT, 0, CLIENTS); /* one each */
    mica_process_config_t cfg = { .name = "ramfs", .prio = 150 };
    mica_error_t err = go ? mica_process_create(&env, &cfg, &server) : env.error;
    /* The file system: fresh (zeroed) frames in the server's VSpace only. */
    if (err == MICA_NO_ERROR)
        err = mica_user_map_pages(&env, server.vspace, FS_VADDR, FS_PAGES, MICA_READ_WRITE, NULL);

    for (mica_word_t id = 1; err == MICA_NO_ERROR && id <= CLIENTS; id++) {
        char name[16];
        snprintf(name, sizeof name, "client%lu", id);
        mica_process_config_t ccfg = { .name = name, .prio = 100 };
        err = mica_process_create(&env, &ccfg, &client[id]);
        /* One frame, two caps (one mapping per cap): the client's buffer, seen by both. */
        mica_cptr_t frame = err ? 0 : mica_env_make(&env, MICA_FRAME_OBJECT, 0);
        mica_cptr_t copy = frame ? mica_env_mint(&env, frame, MICA_ALL_RIGHTS, 0) : 0;
        if (!copy)
            err = env.error;
        if (err == MICA_NO_ERROR)
            err = mica_user_map(&env, client[id].vspace, CLIENT_BUFFER, frame, MICA_READ_WRITE);
        if (err == MICA_NO_ERROR)
            err = mica_user_map(&env, server.vspace, SERVER_BUFFER + id * PAGE, copy,
                                MICA_READ_WRITE);
    }
    mica_cptr_t ep_in_server = err ? 0 : mica_process_give(&server, ep, MICA_CAN_READ, 0);
    if (!ep_in_server) {
        printf("ramfs: cannot set up: %s\n", mica_error_name(err ? err : env.error));
        return;
    }
    mica_process_start(&server, server_main, ep_in_server, 0, 0, 0);
    for (mica_word_t id = 1; id <= CLIENTS; id++) {
        mica_process_t *c = &client[id];
        /* Send (Write) and be replied to (GrantReply), with the badge saying who is calling. */
        mica_cptr_t c_ep = mica_process_give(c, ep, mica_cap_rights_new(1, 0, 0, 1), id);
        mica_cptr_t c_to_root = mica_process_give(c, to_root, MICA_CAN_WRITE, 1ul << id);
        mica_cptr_t c_go = mica_process_give(c, go + id - 1, MICA_CAN_READ, 0);
        mica_process_start(c, client_main, id, c_ep, c_to_root, c_go);
    }
    printf("root: started the ramfs server and %d clients\n", CLIENTS);

    wait_for_clients(to_root);
    printf("root: every client has written its file; letting them read\n");
    for (mica_word_t id = 1; id <= CLIENTS; id++)
        mica_signal(go + id - 1);
    wait_for_clients(to_root);
    files_client_t to_server = { .ep = ep };
    files_stop(&to_server);
    printf("root: all done\n");
}

#ifndef MICA_BUILTIN_EXAMPLES
int main(int argc, char **argv)
{
    return mica_main(argc, argv, example_ramfs_root, NULL);
}
#endif

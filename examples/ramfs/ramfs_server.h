/*
 * ramfs_server.h - the ramfs file server's request handling, shared by
 * the ramfs example (files in memory only) and the disk example (the same
 * server, its files also kept on blk0). Included by one .c file each: the
 * functions are static, so every example links its own copy.
 *
 * The server's state (struct fs) lives in frames mapped in the server's
 * own VSpace. The handlers fill in files_ops_t (files.mi) and the
 * generated files_dispatch checks each request before they see it;
 * ramfs_serve wraps it as the handler for mica_server_loop, with a struct
 * fs * as its context, and stops the loop after answering files_stop. When fs->save is set, the server calls it
 * after each request that changed a file (created, truncated or written),
 * with the file's index, before it replies: a reply means the change is
 * stored.
 */
#ifndef RAMFS_SERVER_H
#define RAMFS_SERVER_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <mica/mica.h>
#include "ramfs.h"

#ifndef PAGE
#define PAGE          (1ul << MICA_PAGE_BITS)
#endif
#define CLIENTS       RAMFS_MAX_CLIENTS
#define SERVER_BUFFER 0x10100000ul      /* + id * PAGE: client id's frame, in the server */

struct file {
    char name[RAMFS_NAME_MAX + 1];      /* "" = a free entry */
    mica_word_t size;
    unsigned char data[RAMFS_FILE_MAX];
};

/* All of the server's state; it lives at FS_VADDR in the server's VSpace. */
struct fs {
    struct file files[RAMFS_MAX_FILES];
    struct { mica_word_t file, append; } fds[CLIENTS + 1][RAMFS_MAX_OPEN];  /* file: index + 1 */
    mica_word_t requests, errors, bytes_in, bytes_out, clients_seen;
    /* Keep file f elsewhere too (NULL = memory only); 0, or -1 when it could not be stored. */
    int (*save)(struct fs *fs, unsigned f);
    void *store;                        /* save's own state, in the server's memory */
};
#define FS_PAGES ((sizeof(struct fs) + PAGE - 1) / PAGE)

/* files_ops_t.lease_window: client badge's frame, where its leases lie; -1 for no client. */
static int lease_window(void *ctx, mica_word_t badge, void **base, mica_word_t *bytes)
{
    (void)ctx;
    if (badge < 1 || badge > CLIENTS)
        return -1;
    *base = mica_vaddr_to_ptr(SERVER_BUFFER + badge * PAGE);
    *bytes = RAMFS_BUFFER_SIZE;
    return 0;
}

/* The file client badge's fd refers to, or NULL. */
static struct file *file_of(struct fs *fs, mica_word_t badge, uint32_t fd, mica_word_t *append)
{
    if (badge < 1 || badge > CLIENTS || fd >= RAMFS_MAX_OPEN || !fs->fds[badge][fd].file)
        return NULL;
    *append = fs->fds[badge][fd].append;
    return &fs->files[fs->fds[badge][fd].file - 1];
}

static int do_open(void *ctx, mica_word_t badge, uint32_t flags, const char *name, uint32_t *fd_out)
{
    struct fs *fs = ctx;
    if (!name[0] || (flags & ~(RAMFS_CREATE | RAMFS_TRUNC | RAMFS_APPEND)) || badge < 1 ||
        badge > CLIENTS)
        return FILES_INVAL;
    mica_word_t fd = 0, f, free_file = RAMFS_MAX_FILES;
    while (fd < RAMFS_MAX_OPEN && fs->fds[badge][fd].file)
        fd++;
    for (f = 0; f < RAMFS_MAX_FILES && strcmp(fs->files[f].name, name) != 0; f++)
        if (!fs->files[f].name[0] && free_file == RAMFS_MAX_FILES)
            free_file = f;
    if (f == RAMFS_MAX_FILES && !(flags & RAMFS_CREATE))
        return FILES_NOENT;
    if (fd == RAMFS_MAX_OPEN || (f == RAMFS_MAX_FILES && free_file == RAMFS_MAX_FILES))
        return FILES_NOSPC;
    int changed = (flags & RAMFS_TRUNC) != 0;
    if (f == RAMFS_MAX_FILES) {
        changed = 1;
        f = free_file;
        strcpy(fs->files[f].name, name);            /* at most RAMFS_NAME_MAX: the stub checked */
        fs->files[f].size = 0;
    }
    if (flags & RAMFS_TRUNC)
        fs->files[f].size = 0;
    if (changed && fs->save && fs->save(fs, (unsigned)f) != 0)
        return FILES_IO;
    fs->fds[badge][fd].file = f + 1;
    fs->fds[badge][fd].append = (flags & RAMFS_APPEND) != 0;
    *fd_out = (uint32_t)fd;
    return FILES_OK;
}

/* The lease is already inside badge's frame (files_dispatch checked it against lease_window). */
static int do_read(void *ctx, mica_word_t badge, uint32_t fd, uint64_t pos, mica_idl_lease_t buf,
                   uint32_t *got)
{
    struct fs *fs = ctx;
    mica_word_t append;
    struct file *file = file_of(fs, badge, fd, &append);
    if (!file)
        return FILES_BADF;
    mica_word_t n = pos >= file->size ? 0 : buf.len < file->size - pos ? buf.len : file->size - pos;
    if (n)
        memcpy(buf.ptr, file->data + pos, n);
    fs->bytes_out += n;
    *got = (uint32_t)n;
    return FILES_OK;
}

static int do_write(void *ctx, mica_word_t badge, uint32_t fd, uint64_t pos, mica_idl_lease_t buf,
                    uint32_t *wrote)
{
    struct fs *fs = ctx;
    mica_word_t append, len = buf.len;
    struct file *file = file_of(fs, badge, fd, &append);
    if (!file)
        return FILES_BADF;
    if (append)
        pos = file->size;
    if (pos > RAMFS_FILE_MAX || len > RAMFS_FILE_MAX - pos)
        return FILES_NOSPC;
    if (pos > file->size)
        memset(file->data + file->size, 0, pos - file->size);     /* a hole reads as zeros */
    memcpy(file->data + pos, buf.ptr, len);
    if (pos + len > file->size)
        file->size = pos + len;
    if (fs->save && fs->save(fs, (unsigned)(file - fs->files)) != 0)
        return FILES_IO;
    fs->bytes_in += len;
    *wrote = (uint32_t)len;
    return FILES_OK;
}

static int do_close(void *ctx, mica_word_t badge, uint32_t fd)
{
    struct fs *fs = ctx;
    mica_word_t append;
    if (!file_of(fs, badge, fd, &append))
        return FILES_BADF;
    fs->fds[badge][fd].file = 0;
    return FILES_OK;
}

/* One "name size" line per file into the buffer, as many as fit. */
static int do_list(void *ctx, mica_word_t badge, mica_idl_lease_t buf, uint32_t *bytes,
                   uint32_t *nfiles)
{
    struct fs *fs = ctx;
    (void)badge;
    *bytes = *nfiles = 0;
    for (mica_word_t f = 0; f < RAMFS_MAX_FILES; f++) {
        char line[64];
        if (!fs->files[f].name[0])
            continue;
        int n = snprintf(line, sizeof line, "%s %lu\n", fs->files[f].name, fs->files[f].size);
        if (*bytes + (mica_word_t)n > buf.len)
            break;
        memcpy((char *)buf.ptr + *bytes, line, (size_t)n);
        *bytes += (uint32_t)n;
        (*nfiles)++;
    }
    return FILES_OK;
}

/* The summary; ramfs_serve then stops the loop. */
static int do_stop(void *ctx, mica_word_t badge)
{
    struct fs *fs = ctx;
    mica_word_t files = 0, bytes = 0;
    (void)badge;
    for (int f = 0; f < RAMFS_MAX_FILES; f++) {
        files += fs->files[f].name[0] != 0;
        bytes += fs->files[f].size;
    }
    printf("ramfs: %lu requests from %d clients (%lu refused), %lu bytes written, %lu bytes "
           "read; %lu files, %lu bytes stored; stopping\n", fs->requests,
           __builtin_popcountl(fs->clients_seen), fs->errors, fs->bytes_in, fs->bytes_out,
           files, bytes);
    return FILES_OK;
}

static const files_ops_t ramfs_ops = {
    .open = do_open, .read = do_read, .write = do_write, .close = do_close, .list = do_list,
    .stop = do_stop, .lease_window = lease_window,
};

/* mica_server_loop's handler: count the request, dispatch it, stop after an answered stop. */
static mica_server_action_t ramfs_serve(void *ctx, mica_word_t badge, mica_msginfo_t req,
                                        mica_msginfo_t *reply)
{
    struct fs *fs = ctx;
    bool answer = true;
    fs->requests++;
    if (badge >= 1 && badge <= CLIENTS)
        fs->clients_seen |= 1ul << badge;
    *reply = files_dispatch(&ramfs_ops, fs, req, badge, NULL, &answer);
    if (!answer)                        /* a oneway method (files.mi has none so far) */
        return MICA_SERVER_NO_REPLY;
    if (mica_msginfo_get_label(*reply) != FILES_OK) {
        fs->errors++;
        return MICA_SERVER_REPLY;
    }
    return mica_msginfo_get_label(req) == FILES_LABEL_STOP ? MICA_SERVER_STOP : MICA_SERVER_REPLY;
}

#endif /* RAMFS_SERVER_H */

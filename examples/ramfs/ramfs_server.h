/*
 * ramfs_server.h - the ramfs file server's request handling, shared by
 * the ramfs example (files in memory only) and the disk example (the same
 * server, its files also kept on blk0). Included by one .c file each: the
 * functions are static, so every example links its own copy.
 *
 * The server's state (struct fs) lives in frames mapped in the server's
 * own VSpace; ramfs_serve is the handler for mica_server_loop with a
 * struct fs * as its context. When fs->save is set, the server calls it
 * after each request that changed a file (created, truncated or written),
 * with the file's index, before it replies: a reply means the change is
 * stored.
 */
#ifndef RAMFS_SERVER_H
#define RAMFS_SERVER_H

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

/* The part [off, off + len) of client badge's buffer, or NULL when it is not inside it. */
static unsigned char *buffer(mica_word_t badge, mica_word_t off, mica_word_t len)
{
    if (badge < 1 || badge > CLIENTS || off > RAMFS_BUFFER_SIZE || len > RAMFS_BUFFER_SIZE - off)
        return NULL;
    return (unsigned char *)mica_vaddr_to_ptr(SERVER_BUFFER + badge * PAGE) + off;
}

/* The file client badge's fd refers to, or NULL. */
static struct file *file_of(struct fs *fs, mica_word_t badge, mica_word_t fd, mica_word_t *append)
{
    if (badge < 1 || badge > CLIENTS || fd >= RAMFS_MAX_OPEN || !fs->fds[badge][fd].file)
        return NULL;
    *append = fs->fds[badge][fd].append;
    return &fs->files[fs->fds[badge][fd].file - 1];
}

static mica_word_t do_open(struct fs *fs, mica_word_t badge, mica_word_t *fd_out)
{
    mica_word_t flags = mica_get_mr(0), words[3] = { mica_get_mr(1), mica_get_mr(2), mica_get_mr(3) };
    char name[RAMFS_NAME_MAX + 1] = { 0 };
    memcpy(name, words, RAMFS_NAME_MAX);
    if (!name[0] || (flags & ~(RAMFS_CREATE | RAMFS_TRUNC | RAMFS_APPEND)) || badge < 1 ||
        badge > CLIENTS)
        return RAMFS_E_INVAL;
    mica_word_t fd = 0, f, free_file = RAMFS_MAX_FILES;
    while (fd < RAMFS_MAX_OPEN && fs->fds[badge][fd].file)
        fd++;
    for (f = 0; f < RAMFS_MAX_FILES && strcmp(fs->files[f].name, name) != 0; f++)
        if (!fs->files[f].name[0] && free_file == RAMFS_MAX_FILES)
            free_file = f;
    if (f == RAMFS_MAX_FILES && !(flags & RAMFS_CREATE))
        return RAMFS_E_NOENT;
    if (fd == RAMFS_MAX_OPEN || (f == RAMFS_MAX_FILES && free_file == RAMFS_MAX_FILES))
        return RAMFS_E_NOSPC;
    int changed = (flags & RAMFS_TRUNC) != 0;
    if (f == RAMFS_MAX_FILES) {
        changed = 1;
        f = free_file;
        strcpy(fs->files[f].name, name);
        fs->files[f].size = 0;
    }
    if (flags & RAMFS_TRUNC)
        fs->files[f].size = 0;
    if (changed && fs->save && fs->save(fs, (unsigned)f) != 0)
        return RAMFS_E_IO;
    fs->fds[badge][fd].file = f + 1;
    fs->fds[badge][fd].append = (flags & RAMFS_APPEND) != 0;
    *fd_out = fd;
    return RAMFS_OK;
}

/* READ and WRITE: MR0 fd, MR1 file offset, MR2 buffer offset, MR3 length. */
static mica_word_t do_read_write(struct fs *fs, mica_word_t badge, int write, mica_word_t *done)
{
    mica_word_t append, pos = mica_get_mr(1), len = mica_get_mr(3);
    struct file *file = file_of(fs, badge, mica_get_mr(0), &append);
    unsigned char *buf = buffer(badge, mica_get_mr(2), len);
    if (!file)
        return RAMFS_E_BADF;
    if (!buf)
        return RAMFS_E_RANGE;
    if (!write) {
        *done = pos >= file->size ? 0 : len < file->size - pos ? len : file->size - pos;
        if (*done)
            memcpy(buf, file->data + pos, *done);
        fs->bytes_out += *done;
        return RAMFS_OK;
    }
    if (append)
        pos = file->size;
    if (pos > RAMFS_FILE_MAX || len > RAMFS_FILE_MAX - pos)
        return RAMFS_E_NOSPC;
    if (pos > file->size)
        memset(file->data + file->size, 0, pos - file->size);     /* a hole reads as zeros */
    memcpy(file->data + pos, buf, len);
    if (pos + len > file->size)
        file->size = pos + len;
    if (fs->save && fs->save(fs, (unsigned)(file - fs->files)) != 0)
        return RAMFS_E_IO;
    fs->bytes_in += len;
    *done = len;
    return RAMFS_OK;
}

/* LIST: one "name size" line per file into the buffer, as many as fit. */
static mica_word_t do_list(struct fs *fs, mica_word_t badge, mica_word_t *bytes, mica_word_t *files)
{
    mica_word_t len = mica_get_mr(1);
    char *buf = (char *)buffer(badge, mica_get_mr(0), len);
    if (!buf)
        return RAMFS_E_RANGE;
    for (mica_word_t f = 0; f < RAMFS_MAX_FILES; f++) {
        char line[64];
        if (!fs->files[f].name[0])
            continue;
        int n = snprintf(line, sizeof line, "%s %lu\n", fs->files[f].name, fs->files[f].size);
        if (*bytes + (mica_word_t)n > len)
            break;
        memcpy(buf + *bytes, line, (size_t)n);
        *bytes += (mica_word_t)n;
        (*files)++;
    }
    return RAMFS_OK;
}

static mica_server_action_t ramfs_serve(void *ctx, mica_word_t badge, mica_msginfo_t req,
                                  mica_msginfo_t *reply)
{
    struct fs *fs = ctx;
    mica_word_t status, out[2] = { 0, 0 };
    fs->requests++;
    if (badge >= 1 && badge <= CLIENTS)
        fs->clients_seen |= 1ul << badge;
    switch (mica_msginfo_get_label(req)) {
    case RAMFS_OPEN:  status = do_open(fs, badge, &out[0]); break;
    case RAMFS_READ:  status = do_read_write(fs, badge, 0, &out[0]); break;
    case RAMFS_WRITE: status = do_read_write(fs, badge, 1, &out[0]); break;
    case RAMFS_LIST:  status = do_list(fs, badge, &out[0], &out[1]); break;
    case RAMFS_CLOSE: {
        mica_word_t append, fd = mica_get_mr(0);
        status = file_of(fs, badge, fd, &append) ? RAMFS_OK : RAMFS_E_BADF;
        if (status == RAMFS_OK)
            fs->fds[badge][fd].file = 0;
        break;
    }
    case RAMFS_STOP: {
        mica_word_t files = 0, bytes = 0;
        for (int f = 0; f < RAMFS_MAX_FILES; f++) {
            files += fs->files[f].name[0] != 0;
            bytes += fs->files[f].size;
        }
        printf("ramfs: %lu requests from %d clients (%lu refused), %lu bytes written, %lu bytes "
               "read; %lu files, %lu bytes stored; stopping\n", fs->requests,
               __builtin_popcountl(fs->clients_seen), fs->errors, fs->bytes_in, fs->bytes_out,
               files, bytes);
        return MICA_SERVER_STOP;        /* with an empty RAMFS_OK reply */
    }
    default:          status = RAMFS_E_INVAL; break;
    }
    if (status != RAMFS_OK) {
        fs->errors++;
        *reply = mica_msginfo_new(status, 0, 0, 0);
    } else {
        mica_set_mr(0, out[0]);
        mica_set_mr(1, out[1]);
        *reply = mica_msginfo_new(RAMFS_OK, 0, 0, 2);
    }
    return MICA_SERVER_REPLY;
}

#endif /* RAMFS_SERVER_H */

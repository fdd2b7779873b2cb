/*
 * ramfs.h - the protocol of the ramfs example's file server.
 *
 * Every request is a Call on the client's own badged copy of the server's
 * endpoint. The badge is the client's id (1..RAMFS_MAX_CLIENTS): the
 * server learns from it who is asking, whose open files an fd refers to
 * and which shared frame is that client's buffer. A client cannot forge
 * it, so it cannot use another client's fds or buffer.
 *
 * Small arguments travel in message registers. Bulk data - file contents
 * and directory listings - travels through the buffer: one 4 KiB frame
 * the client shares with the server, mapped in both VSpaces. The client
 * names a part of it by offset and length; the server checks that the
 * part lies inside the frame before it touches a byte.
 *
 *   request       MRs of the request                  MRs of a RAMFS_OK reply
 *   RAMFS_OPEN    MR0 flags, MR1..MR3 the name         MR0 the fd
 *                 (at most 24 bytes, NUL-padded)
 *   RAMFS_READ    MR0 fd, MR1 offset in the file,       MR0 bytes read into the buffer
 *                 MR2 offset in the buffer, MR3 length  (0 at the end of the file)
 *   RAMFS_WRITE   MR0 fd, MR1 offset in the file,       MR0 bytes written
 *                 MR2 offset in the buffer, MR3 length  (an RAMFS_APPEND fd ignores MR1)
 *   RAMFS_CLOSE   MR0 fd                                -
 *   RAMFS_LIST    MR0 offset in the buffer, MR1 length  MR0 bytes of "name size\n" lines
 *                                                       written to the buffer, MR1 files
 *   RAMFS_STOP    -                                     - (the server prints a summary
 *                                                       and stops; anyone may ask)
 *
 * The reply's label is RAMFS_OK (0) or one of the RAMFS_E_* errors, which
 * come with no MRs. A failed request changes nothing.
 */
#ifndef RAMFS_H
#define RAMFS_H

#include <string.h>
#include <mica/mica.h>

/* Request labels. */
enum ramfs_request {
    RAMFS_OPEN = 1,
    RAMFS_READ,
    RAMFS_WRITE,
    RAMFS_CLOSE,
    RAMFS_LIST,
    RAMFS_STOP,
};

/* RAMFS_OPEN flags (MR0). */
#define RAMFS_CREATE 0x1ul      /* make the file if there is none of that name */
#define RAMFS_TRUNC  0x2ul      /* empty it first */
#define RAMFS_APPEND 0x4ul      /* every write through this fd goes at the end */

/* Reply labels. */
enum ramfs_status {
    RAMFS_OK = 0,
    RAMFS_E_NOENT,              /* no file of that name, and no RAMFS_CREATE */
    RAMFS_E_BADF,               /* the fd is not one of this client's open files */
    RAMFS_E_RANGE,              /* the buffer offset and length reach outside the frame */
    RAMFS_E_NOSPC,              /* no free file, fd or room in the file */
    RAMFS_E_INVAL,              /* a bad name, flag or label, or no buffer for this badge */
    RAMFS_E_IO,                 /* the change could not be stored (a server keeping its files
                                   on a disk); it may be in memory only */
};

/* Limits. */
#define RAMFS_NAME_MAX    24        /* bytes of a name: three MRs */
#define RAMFS_MAX_FILES   8
#define RAMFS_FILE_MAX    8192      /* bytes of one file */
#define RAMFS_MAX_OPEN    4         /* open fds per client */
#define RAMFS_MAX_CLIENTS 3         /* badges 1..3 */
#define RAMFS_BUFFER_SIZE 4096      /* the shared frame */

static inline const char *ramfs_status_name(mica_word_t status)
{
    static const char *const names[] = { "ok", "no such file", "bad fd",
                                         "outside the shared buffer", "no space", "invalid",
                                         "I/O error" };
    return status < sizeof names / sizeof names[0] ? names[status] : "unknown status";
}

/* Pack a name into the three words of MR1..MR3 (truncated to RAMFS_NAME_MAX bytes). */
static inline void ramfs_pack_name(const char *name, mica_word_t words[3])
{
    size_t len = strlen(name);
    memset(words, 0, 3 * sizeof words[0]);
    memcpy(words, name, len < RAMFS_NAME_MAX ? len : RAMFS_NAME_MAX);
}

#endif

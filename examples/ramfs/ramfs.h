/*
 * ramfs.h - the ramfs example's file server: its protocol is the interface
 * files.mi (mica-idlc generates files.h and the stubs); here are the open
 * flags, the limits and readable names of the reply statuses.
 *
 * Every request is a Call on the client's own badged copy of the server's
 * endpoint. The badge is the client's id (1..RAMFS_MAX_CLIENTS): the
 * server learns from it who is asking, whose open files an fd refers to
 * and which shared frame is that client's buffer. A client cannot forge
 * it, so it cannot use another client's fds or buffer.
 *
 * Small arguments travel in message registers. Bulk data - file contents
 * and directory listings - travels through the buffer: one 4 KiB frame
 * the client shares with the server, mapped in both VSpaces, passed as a
 * lease (a part of it by offset and length). The client stub and the
 * server's dispatcher both check that the part lies inside the frame
 * before a byte is touched.
 *
 *   files_open(c, flags, name, &fd)        name: at most 24 bytes
 *   files_read(c, fd, pos, buf, len, &got) got = 0 at the end of the file
 *   files_write(c, fd, pos, buf, len, &n)  an RAMFS_APPEND fd ignores pos
 *   files_close(c, fd)
 *   files_list(c, buf, len, &bytes, &nfiles)  "name size\n" lines
 *   files_stop(c)                          the server prints a summary and
 *                                          stops; anyone may ask
 *
 * Each returns FILES_OK (0), one of the FILES_* errors or a MICA_IDL_*
 * status (<mica/idl.h>). A failed request changes nothing.
 */
#ifndef RAMFS_H
#define RAMFS_H

#include <mica/mica.h>
#include <mica/idl.h>
#include "files.h"

/* files_open flags. */
#define RAMFS_CREATE 0x1u       /* make the file if there is none of that name */
#define RAMFS_TRUNC  0x2u       /* empty it first */
#define RAMFS_APPEND 0x4u       /* every write through this fd goes at the end */

/* Limits. */
#define RAMFS_NAME_MAX    24        /* bytes of a name: files.mi's string<24> */
#define RAMFS_MAX_FILES   8
#define RAMFS_FILE_MAX    8192      /* bytes of one file */
#define RAMFS_MAX_OPEN    4         /* open fds per client */
#define RAMFS_MAX_CLIENTS 3         /* badges 1..3 */
#define RAMFS_BUFFER_SIZE 4096      /* the shared frame: files.mi's lease<..., 4096> */

static inline const char *ramfs_status_name(int status)
{
    static const char *const names[] = { "ok", "no such file", "bad fd",
                                         "outside the shared buffer", "no space", "invalid",
                                         "I/O error" };
    if (status == (int)MICA_IDL_BAD_LEASE)
        return names[FILES_RANGE];
    if (status == (int)MICA_IDL_BAD_ARGS)
        return names[FILES_INVAL];
    return status >= 0 && status < (int)(sizeof names / sizeof names[0]) ? names[status]
                                                                          : "unknown status";
}

#endif

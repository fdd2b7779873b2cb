/* pingpong.h - the server's operations (the PPC's label) and its answers. */
#ifndef PINGPONG_H
#define PINGPONG_H

enum { OP_ADD = 1, OP_MUL = 2, OP_SUB = 3 };     /* MR0 op MR1 */
enum { REPLY_OK = 0, REPLY_BAD_OP = 1 };         /* reply: MR0 result, MR1 calls so far */

#endif

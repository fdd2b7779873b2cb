/*
 * ipc.c - helpers for the usual IPC patterns (include/mica/user.h): a call
 * carrying N words, a server loop on ReplyRecv, and decoding a fault
 * message.
 */
#include <mica/mica.h>
#include <mica/user.h>

mica_msginfo_t mica_call_words(mica_cptr_t ep, mica_word_t label, const mica_word_t *in,
                               mica_word_t n, mica_word_t *out, mica_word_t nout)
{
    if (n > MICA_MSG_MAX_LENGTH)
        n = MICA_MSG_MAX_LENGTH;
    for (mica_word_t i = 0; i < n; i++)
        mica_set_mr((int)i, in[i]);
    mica_msginfo_t reply = mica_call(ep, mica_msginfo_new(label, 0, 0, n));
    mica_word_t len = mica_msginfo_get_length(reply);
    for (mica_word_t i = 0; out && i < len && i < nout; i++)
        out[i] = mica_get_mr((int)i);
    return reply;
}

void mica_server_loop(mica_cptr_t ep, mica_server_fn fn, void *ctx)
{
    mica_word_t badge = 0;
    mica_msginfo_t request = mica_recv(ep, &badge);
    for (;;) {
        mica_msginfo_t reply = mica_msginfo_new(0, 0, 0, 0);
        mica_server_action_t action = fn(ctx, badge, request, &reply);
        switch (action) {
        case MICA_SERVER_REPLY:
            request = mica_reply_recv(ep, reply, &badge);
            break;
        case MICA_SERVER_NO_REPLY:
            request = mica_recv(ep, &badge);
            break;
        case MICA_SERVER_STOP:
        default:
            mica_reply(reply);
            return;
        }
    }
}

mica_fault_t mica_fault_decode(mica_msginfo_t info, mica_word_t badge)
{
    mica_fault_t f = { 0 };
    f.kind = mica_msginfo_get_label(info);
    f.badge = badge;
    switch (f.kind) {
    case MICA_FAULT_VM:
        f.ip = mica_get_mr(MICA_VM_FAULT_IP);
        f.addr = mica_get_mr(MICA_VM_FAULT_ADDR);
        f.prefetch = mica_get_mr(MICA_VM_FAULT_PREFETCH);
        f.fsr = mica_get_mr(MICA_VM_FAULT_FSR);
        f.write = (f.fsr >> 1) & 1;
        break;
    case MICA_FAULT_USER_EXCEPTION:
        f.ip = mica_get_mr(MICA_USER_EXCEPTION_IP);
        f.sp = mica_get_mr(MICA_USER_EXCEPTION_SP);
        f.number = mica_get_mr(MICA_USER_EXCEPTION_NUMBER);
        f.code = mica_get_mr(MICA_USER_EXCEPTION_CODE);
        break;
    case MICA_FAULT_CAP:
        f.ip = mica_get_mr(MICA_CAP_FAULT_IP);
        f.addr = mica_get_mr(MICA_CAP_FAULT_ADDR);
        break;
    case MICA_FAULT_UNKNOWN_SYSCALL:
        f.ip = mica_get_mr(MICA_UNKNOWN_SYSCALL_FAULT_IP);
        f.sp = mica_get_mr(MICA_UNKNOWN_SYSCALL_SP);
        break;
    default:
        break;
    }
    return f;
}

/*
 * ipc_buffer.c - message registers and IPC-buffer fields of the current
 * thread (libsel4's seL4_GetMR and friends).
 */
#include <mica/syscalls.h>

mica_word_t mica_get_mr(int i)
{
    return mica_get_ipc_buffer()->msg[i];
}

void mica_set_mr(int i, mica_word_t v)
{
    mica_get_ipc_buffer()->msg[i] = v;
}

mica_word_t mica_get_badge(int i)
{
    return mica_get_ipc_buffer()->caps_or_badges[i];
}

mica_cptr_t mica_get_cap(int i)
{
    return mica_get_ipc_buffer()->caps_or_badges[i];
}

void mica_set_cap(int i, mica_cptr_t cptr)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    if (b)      /* without a buffer no cap can travel; the kernel sees none */
        b->caps_or_badges[i] = cptr;
}

void mica_set_cap_receive_path(mica_cptr_t root, mica_cptr_t index, mica_word_t depth)
{
    mica_ipc_buffer_t *b = mica_get_ipc_buffer();
    b->receive_cnode = root;
    b->receive_index = index;
    b->receive_depth = depth;
}

mica_word_t mica_get_user_data(void)
{
    return mica_get_ipc_buffer()->user_data;
}

void mica_set_user_data(mica_word_t v)
{
    mica_get_ipc_buffer()->user_data = v;
}

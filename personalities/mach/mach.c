/*
 * The Mach library of a task: each call is one mica Call to machd (the
 * "trap"), with the arguments in message registers and the message itself
 * in the task's message window, which machd reads and writes.
 */
#include <string.h>
#include <mach/mach.h>
#include "machd_proto.h"

/* A Mach task's thread has user data 1 (set by the trampoline); other threads 0. */
static bool is_task(void)
{
    return mica_get_user_data() == 1;
}

void mach_task_trampoline(mica_word_t entry, mica_word_t arg, mica_word_t bootstrap, mica_word_t unused)
{
    (void)unused;
    mica_set_user_data(1);
    /* machd learns where this VSpace's pages are in host memory, so that it
     * can read the addresses the task puts in out-of-line descriptors. */
    uintptr_t base = (uintptr_t)mica_vaddr_to_ptr(MACH_TASK_WINDOW_VADDR) - MACH_TASK_WINDOW_VADDR;
    mica_set_mr(0, base);
    mica_call(MACH_TASK_EP, mica_msginfo_new(MACHD_TASK_HELLO, 0, 0, 1));
    ((mach_task_entry_t)entry)((mach_port_t)bootstrap, (uintptr_t)arg);
    /* A Send, not a Call: machd destroys the task's name space and its process. */
    mica_send(MACH_TASK_EP, mica_msginfo_new(MACHD_TASK_EXIT, 0, 0, 0));
}

static uint8_t *window(void)
{
    return mica_vaddr_to_ptr(MACH_TASK_WINDOW_VADDR);
}

/* One trap: op with n argument words; the answer's label, MR0 in *out. */
static kern_return_t trap(mica_word_t op, int n, const mica_word_t *args, mica_word_t *out)
{
    if (!is_task())
        return KERN_INVALID_TASK;
    for (int i = 0; i < n; i++)
        mica_set_mr(i, args[i]);
    mica_msginfo_t info = mica_call(MACH_TASK_EP, mica_msginfo_new(op, 0, 0, (mica_word_t)n));
    if (out)
        *out = mica_get_mr(0);
    return (kern_return_t)mica_msginfo_get_label(info);
}

task_t mach_task_self(void)
{
    return MACH_TASK_SELF_NAME;
}

void *mach_msg_window(void)
{
    return is_task() ? window() : NULL;
}

mach_msg_return_t mach_msg(mach_msg_header_t *msg, mach_msg_option_t option,
                           mach_msg_size_t send_size, mach_msg_size_t rcv_size,
                           mach_port_t rcv_name, mach_msg_timeout_t timeout, mach_port_t notify)
{
    (void)notify;
    if (!is_task())
        return MACH_SEND_INVALID_DEST;
    uint8_t *win = window();
    /* A message built outside the window is staged into it (the window is the
     * memory machd can read; build it in mach_msg_window() to save this copy). */
    if ((option & MACH_SEND_MSG) && (uint8_t *)msg != win) {
        if (send_size > MACH_MSG_WINDOW_BYTES)
            return MACH_SEND_TOO_LARGE;
        memcpy(win, msg, send_size);
    }
    mica_word_t a[5] = { option, send_size, rcv_size, rcv_name, timeout }, size = 0;
    mach_msg_return_t r = (mach_msg_return_t)trap(MACHD_MSG, 5, a, &size);
    if (r == MACH_MSG_SUCCESS && (option & MACH_RCV_MSG) && (uint8_t *)msg != win &&
        size <= rcv_size)
        memcpy(msg, win, size);
    return r;
}

kern_return_t mach_port_allocate(task_t task, mach_port_right_t right, mach_port_t *name)
{
    mica_word_t a[2] = { task, right }, out = 0;
    kern_return_t r = trap(MACHD_PORT_ALLOCATE, 2, a, &out);
    if (r == KERN_SUCCESS)
        *name = (mach_port_t)out;
    return r;
}

kern_return_t mach_port_deallocate(task_t task, mach_port_t name)
{
    mica_word_t a[2] = { task, name };
    return trap(MACHD_PORT_DEALLOCATE, 2, a, NULL);
}

kern_return_t mach_port_destroy(task_t task, mach_port_t name)
{
    mica_word_t a[2] = { task, name };
    return trap(MACHD_PORT_DESTROY, 2, a, NULL);
}

kern_return_t mach_port_mod_refs(task_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_delta_t delta)
{
    mica_word_t a[4] = { task, name, right, (mica_word_t)(uint32_t)delta };
    return trap(MACHD_PORT_MOD_REFS, 4, a, NULL);
}

kern_return_t mach_port_get_refs(task_t task, mach_port_t name, mach_port_right_t right,
                                 mach_port_urefs_t *refs)
{
    mica_word_t a[3] = { task, name, right }, out = 0;
    kern_return_t r = trap(MACHD_PORT_GET_REFS, 3, a, &out);
    if (r == KERN_SUCCESS)
        *refs = (mach_port_urefs_t)out;
    return r;
}

kern_return_t mach_port_type(task_t task, mach_port_t name, mach_port_type_t *type)
{
    mica_word_t a[2] = { task, name }, out = 0;
    kern_return_t r = trap(MACHD_PORT_TYPE, 2, a, &out);
    if (r == KERN_SUCCESS)
        *type = (mach_port_type_t)out;
    return r;
}

kern_return_t mach_port_insert_right(task_t task, mach_port_t name, mach_port_t poly,
                                     mach_msg_type_name_t disposition)
{
    mica_word_t a[4] = { task, name, poly, disposition };
    return trap(MACHD_PORT_INSERT_RIGHT, 4, a, NULL);
}

kern_return_t mach_port_set_qlimit(task_t task, mach_port_t name, uint32_t qlimit)
{
    mica_word_t a[3] = { task, name, qlimit };
    return trap(MACHD_PORT_SET_QLIMIT, 3, a, NULL);
}

kern_return_t mach_port_move_member(task_t task, mach_port_t member, mach_port_t set)
{
    mica_word_t a[3] = { task, member, set };
    return trap(MACHD_PORT_MOVE_MEMBER, 3, a, NULL);
}

kern_return_t mach_port_request_notification(task_t task, mach_port_t name, int32_t variant,
                                             mach_port_mscount_t sync, mach_port_t notify,
                                             mach_msg_type_name_t disposition,
                                             mach_port_t *previous)
{
    mica_word_t a[6] = { task, name, (mica_word_t)(uint32_t)variant, sync, notify, disposition }, out = 0;
    kern_return_t r = trap(MACHD_PORT_REQUEST_NOTIFICATION, 6, a, &out);
    if (previous)
        *previous = r == KERN_SUCCESS ? (mach_port_t)out : MACH_PORT_NULL;
    return r;
}

kern_return_t vm_allocate(task_t task, vm_address_t *addr, vm_size_t size, bool anywhere)
{
    (void)anywhere;                     /* machd always chooses the address */
    mica_word_t a[2] = { task, size }, out = 0;
    kern_return_t r = trap(MACHD_VM_ALLOCATE, 2, a, &out);
    if (r == KERN_SUCCESS)
        *addr = (vm_address_t)out;
    return r;
}

kern_return_t vm_deallocate(task_t task, vm_address_t addr, vm_size_t size)
{
    mica_word_t a[3] = { task, addr, size };
    return trap(MACHD_VM_DEALLOCATE, 3, a, NULL);
}

kern_return_t mach_task_spawn(const char *name, mach_task_entry_t entry, uintptr_t arg,
                              mach_port_t bootstrap, mach_msg_type_name_t disposition, int prio)
{
    if (!is_task())
        return KERN_INVALID_TASK;
    memset(window(), 0, 32);
    strncpy((char *)window(), name ? name : "task", 31);
    mica_word_t a[5] = { (mica_word_t)(uintptr_t)entry, arg, bootstrap, disposition, (mica_word_t)prio };
    return trap(MACHD_TASK_SPAWN, 5, a, NULL);
}

/*
 * names.c - names of the ABI's enums, for traces and messages (libinput's
 * *_to_str). Every enum ends in a count sentinel; a value past it gets "?".
 */
#include <mica/types.h>
#include <mica/objects.h>
#include <mica/sim.h>

#define NAME(table, v) ((unsigned long)(v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "?")

const char *mica_error_name(mica_error_t e)
{
    static const char *const t[] = {
        "NoError", "InvalidArgument", "InvalidCapability", "IllegalOperation", "RangeError",
        "AlignmentError", "FailedLookup", "TruncatedMessage", "DeleteFirst", "RevokeFirst",
        "NotEnoughMemory",
    };
    _Static_assert(sizeof t / sizeof t[0] == MICA_NUM_ERRORS, "error names");
    return NAME(t, e);
}

const char *mica_cap_type_name(mica_cap_type_t c)
{
    static const char *const t[] = {
        "null", "untyped", "endpoint", "notification", "reply", "cnode", "tcb",
        "irq_control", "irq_handler", "zombie", "frame", "page_table", "vspace",
        "pdpt", "page_directory",
    };
    _Static_assert(sizeof t / sizeof t[0] == MICA_CAP_TYPE_COUNT, "cap type names");
    return NAME(t, c);
}

const char *mica_object_type_name(mica_object_type_t o)
{
    static const char *const t[] = {
        "untyped", "tcb", "endpoint", "notification", "cnode", "frame", "large_frame",
        "page_table", "vspace", "pdpt", "page_directory", "huge_frame",
    };
    _Static_assert(sizeof t / sizeof t[0] == MICA_OBJECT_TYPE_COUNT, "object type names");
    return NAME(t, o);
}

const char *mica_thread_state_name(mica_thread_state_t s)
{
    static const char *const t[] = {
        "Inactive", "Running", "Restart", "BlockedOnReceive", "BlockedOnSend",
        "BlockedOnReply", "BlockedOnNotification", "Idle",
    };
    _Static_assert(sizeof t / sizeof t[0] == MICA_THREAD_STATE_COUNT, "thread state names");
    return NAME(t, s);
}

/*
 * Invocation labels spelled as libsel4 names its functions (seL4_TCB_SetPriority
 * without the prefix): the names the log, the stats and the kernel's error
 * messages use. One per entry of invocations.def (indexed by label, so the
 * order cannot slip; one left out prints "?").
 */
const char *mica_invocation_name(mica_word_t label)
{
    static const char *const t[] = {
        [MICA_INVALID_INVOCATION] = "InvalidInvocation",
        [MICA_UNTYPED_RETYPE] = "Untyped_Retype",
        [MICA_TCB_READ_REGISTERS] = "TCB_ReadRegisters",
        [MICA_TCB_WRITE_REGISTERS] = "TCB_WriteRegisters",
        [MICA_TCB_COPY_REGISTERS] = "TCB_CopyRegisters",
        [MICA_TCB_CONFIGURE] = "TCB_Configure",
        [MICA_TCB_SET_PRIORITY] = "TCB_SetPriority",
        [MICA_TCB_SET_MC_PRIORITY] = "TCB_SetMCPriority",
        [MICA_TCB_SET_SCHED_PARAMS] = "TCB_SetSchedParams",
        [MICA_TCB_SET_IPC_BUFFER] = "TCB_SetIPCBuffer",
        [MICA_TCB_SET_SPACE] = "TCB_SetSpace",
        [MICA_TCB_SUSPEND] = "TCB_Suspend",
        [MICA_TCB_RESUME] = "TCB_Resume",
        [MICA_TCB_BIND_NOTIFICATION] = "TCB_BindNotification",
        [MICA_TCB_UNBIND_NOTIFICATION] = "TCB_UnbindNotification",
        [MICA_TCB_SET_AFFINITY] = "TCB_SetAffinity",
        [MICA_TCB_SET_TLS_BASE] = "TCB_SetTLSBase",
        [MICA_CNODE_REVOKE] = "CNode_Revoke",
        [MICA_CNODE_DELETE] = "CNode_Delete",
        [MICA_CNODE_CANCEL_BADGED_SENDS] = "CNode_CancelBadgedSends",
        [MICA_CNODE_COPY] = "CNode_Copy",
        [MICA_CNODE_MINT] = "CNode_Mint",
        [MICA_CNODE_MOVE] = "CNode_Move",
        [MICA_CNODE_MUTATE] = "CNode_Mutate",
        [MICA_CNODE_ROTATE] = "CNode_Rotate",
        [MICA_CNODE_SAVE_CALLER] = "CNode_SaveCaller",
        [MICA_IRQ_ISSUE_IRQ_HANDLER] = "IRQControl_Get",
        [MICA_IRQ_ACK_IRQ] = "IRQHandler_Ack",
        [MICA_IRQ_SET_IRQ_HANDLER] = "IRQHandler_SetNotification",
        [MICA_IRQ_CLEAR_IRQ_HANDLER] = "IRQHandler_Clear",
        [MICA_PAGE_TABLE_MAP] = "PageTable_Map",
        [MICA_PAGE_TABLE_UNMAP] = "PageTable_Unmap",
        [MICA_PAGE_MAP] = "Page_Map",
        [MICA_PAGE_UNMAP] = "Page_Unmap",
        [MICA_PAGE_GET_ADDRESS] = "Page_GetAddress",
        [MICA_PDPT_MAP] = "PDPT_Map",
        [MICA_PDPT_UNMAP] = "PDPT_Unmap",
        [MICA_PAGE_DIRECTORY_MAP] = "PageDirectory_Map",
        [MICA_PAGE_DIRECTORY_UNMAP] = "PageDirectory_Unmap",
    };
    _Static_assert(sizeof t / sizeof t[0] == MICA_NUM_INVOCATION_LABELS, "invocation names");
    return NAME(t, label);
}

const char *mica_stop_reason_name(mica_stop_reason_t r)
{
    static const char *const t[] = { "idle", "deadlock", "halt", "invariant", "time_limit",
                                     "stalled" };
    _Static_assert(sizeof t / sizeof t[0] == MICA_STOP_REASON_COUNT, "stop reason names");
    return NAME(t, r);
}

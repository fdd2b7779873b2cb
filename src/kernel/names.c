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
    };
    _Static_assert(sizeof t / sizeof t[0] == MICA_CAP_TYPE_COUNT, "cap type names");
    return NAME(t, c);
}

const char *mica_object_type_name(mica_object_type_t o)
{
    static const char *const t[] = {
        "untyped", "tcb", "endpoint", "notification", "cnode", "frame", "large_frame",
        "page_table", "vspace",
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

const char *mica_invocation_name(mica_word_t label)
{
    static const char *const t[] = {
        "InvalidInvocation",
#define X(name, obj, words, caps) #name,
#include <mica/invocations.def>
#undef X
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

/*
 * idl.c - the runtime of mica-idlc's generated code (<mica/idl.h>):
 * strings and bytes in message registers, and the label-name registry
 * that traces use.
 */
#include <string.h>

#include <mica/idl.h>
#include <mica/syscalls.h>

/* The blob's bytes live in MR k+1.., padded with zero bytes to whole words. */
static void put_blob(int k, const void *p, mica_word_t len, mica_word_t max)
{
    mica_word_t *mr = mica_get_ipc_buffer()->msg;
    mr[k] = len;
    memset(&mr[k + 1], 0, ((max + 7) / 8) * sizeof(mica_word_t));
    memcpy(&mr[k + 1], p, len);
}

int mica_idl_put_string(int k, const char *s, mica_word_t max)
{
    mica_word_t len = 0;
    while (len <= max && s[len])        /* strnlen(s, max + 1) */
        len++;
    if (len > max)
        return -1;
    put_blob(k, s, len, max);
    return 0;
}

int mica_idl_get_string(int k, char *dst, mica_word_t max)
{
    const mica_word_t *mr = mica_get_ipc_buffer()->msg;
    mica_word_t len = mr[k];
    if (len > max)
        return -1;
    memcpy(dst, &mr[k + 1], len);
    dst[len] = 0;
    return 0;
}

int mica_idl_put_bytes(int k, const void *p, mica_word_t len, mica_word_t max)
{
    if (len > max)
        return -1;
    put_blob(k, p, len, max);
    return 0;
}

int mica_idl_get_bytes(int k, void *dst, uint32_t *len, mica_word_t max)
{
    const mica_word_t *mr = mica_get_ipc_buffer()->msg;
    if (mr[k] > max)
        return -1;
    memcpy(dst, &mr[k + 1], mr[k]);
    *len = (uint32_t)mr[k];
    return 0;
}

#define MAX_IFACES 32
static const mica_idl_trace_iface_t *ifaces[MAX_IFACES];
static unsigned nifaces;

int mica_idl_trace_register(const mica_idl_trace_iface_t *iface)
{
    for (unsigned i = 0; i < nifaces; i++)
        if (ifaces[i] == iface)
            return 0;
    if (nifaces == MAX_IFACES)
        return -1;
    ifaces[nifaces++] = iface;
    return 0;
}

/* The registered interface with a method labelled label, and the method's index in *m. */
static const mica_idl_trace_iface_t *iface_of(mica_word_t label, unsigned *m)
{
    for (unsigned i = 0; i < nifaces; i++)
        for (unsigned j = 0; j < ifaces[i]->nmethods; j++)
            if (ifaces[i]->methods[j].label == label) {
                *m = j;
                return ifaces[i];
            }
    return NULL;
}

const char *mica_idl_label_name(mica_word_t label)
{
    unsigned m;
    const mica_idl_trace_iface_t *ifc = iface_of(label, &m);
    return ifc ? ifc->methods[m].name : NULL;
}

const char *mica_idl_status_name(mica_word_t request_label, mica_word_t status)
{
    static const char *const runtime[] = {
        "MICA_IDL_BAD_METHOD", "MICA_IDL_BAD_ARGS", "MICA_IDL_BAD_LEASE", "MICA_IDL_NO_CAP",
        "MICA_IDL_VERSION", "MICA_IDL_BAD_REPLY", "MICA_IDL_DEFER",
    };
    unsigned m;
    const mica_idl_trace_iface_t *ifc = iface_of(request_label, &m);
    if (!ifc)
        return NULL;
    if (status == MICA_IDL_OK)
        return "OK";
    if (status >= MICA_IDL_BAD_METHOD && status <= MICA_IDL_DEFER)
        return runtime[status - MICA_IDL_BAD_METHOD];
    for (unsigned i = 0; i < ifc->nerrors; i++)
        if (ifc->errors[i].status == status)
            return ifc->errors[i].name;
    return NULL;
}

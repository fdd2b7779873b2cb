/* emit.c - placeholder until the emitters land. */
#include "idlc.h"

int idl_emit_all(const idl_iface_t *ifc, const char *outdir)
{
    (void)ifc;
    (void)outdir;
    fprintf(stderr, "mica-idlc: code generation is not implemented yet\n");
    return 1;
}

int idl_emit_depfile(const idl_iface_t *ifc, const char *outdir, const char *depfile)
{
    (void)ifc;
    (void)outdir;
    (void)depfile;
    return 1;
}

/*
 * mica/microkit_host.h - run a Microkit system description (docs/microkit.md)
 * from a host program, as `mica microkit SYSTEM.xml` does.
 *
 * The program must export its symbols to the PDs' program images (they
 * call mica's functions): link it with -rdynamic (Meson: export_dynamic).
 */
#ifndef MICA_MICROKIT_HOST_H
#define MICA_MICROKIT_HOST_H

#include <mica/sim.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Parse and check the description at system_xml, load its program images
 * and run the system on a machine configured by cfg.
 * @return what mica_run returns, with *result filled; -EINVAL for a bad
 *         description or program image, or a system that cannot be built
 *         on this machine: the reason, one line "path:line: message", is
 *         printed on stderr (unless cfg->quiet) and left in
 *         result->message, and no PD has run.
 */
int mica_microkit_run(const mica_config_t *cfg, const char *system_xml, mica_run_result_t *result);

#ifdef __cplusplus
}
#endif

#endif /* MICA_MICROKIT_HOST_H */

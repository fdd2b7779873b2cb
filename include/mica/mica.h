/*
 * mica/mica.h - everything a mica program includes.
 *
 * Task side: types, system calls, invocation stubs, and the root-task
 * helpers of mica/user.h. Host side: mica_run and its configuration, and
 * mica_main (mica/sim.h).
 */
#ifndef MICA_MICA_H
#define MICA_MICA_H

#include <mica/constants.h>
#include <mica/types.h>
#include <mica/syscalls.h>
#include <mica/objects.h>
#include <mica/sim.h>
#include <mica/user.h>

#endif /* MICA_MICA_H */

/*
 * invariants.h - the run-time invariant checker (l4v invariant names).
 * Each predicate returns false after stopping the system with a message.
 */
#ifndef MICA_KERNEL_INVARIANTS_H
#define MICA_KERNEL_INVARIANTS_H

#include <stdbool.h>

bool inv_valid_mdb_list(void);      /* valid_dlist, no_mloop, mdb_cte_at */
bool inv_valid_caps(void);          /* valid_cap, cap_aligned */
bool inv_valid_nullcaps(void);      /* valid_nullcaps */
bool inv_mdb_marks(void);           /* ut_revocable, irq_revocable, irq_control,
                                       reply_master_revocable, reply_mdb, valid_reply_caps,
                                       valid_reply_masters, valid_badges */
bool inv_untyped_and_pspace(void);  /* untyped_inc, untyped_mdb, pspace_distinct */
bool inv_valid_untyped(void);       /* valid_untyped */
bool inv_valid_queues(void);        /* valid_queues, valid_bitmaps, bitmapQ_no_L1_orphans,
                                       ready_qs_runnable, sym_heap_sched_pointers, ct_not_in_q */
bool inv_valid_objs(void);          /* valid_ep, valid_ntfn, valid_tcb, sym_refs, only_idle,
                                       ready_qs_runnable */
bool inv_cur_and_idle(void);        /* cur_tcb, valid_idle, only_idle, valid_sched_action */
bool inv_valid_irqs(void);          /* valid_irq_node, valid_irq_handlers */
bool inv_valid_vspaces(void);       /* valid_vspace_objs, unique_table_refs, valid_vs_lookup,
                                       valid_host_window */

/* All of them; false (and the system stopped) at the first broken one. */
bool kernel_check_invariants(void);

#endif

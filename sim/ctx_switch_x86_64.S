/*
 * ctx_switch_x86_64.S - the fast context switch for x86_64 (System V ABI).
 *
 * Saves what the ABI says a callee must preserve: rbx, rbp, r12-r15, the
 * MXCSR (SSE control/status) and the x87 control word. Everything else is
 * caller-saved, so the C compiler has already spilled it.
 *
 * Saved frame, at the saved stack pointer (low to high addresses):
 *
 *   +0   mxcsr (4 bytes), x87 control word (2), padding (2)
 *   +8   r15
 *   +16  r14
 *   +24  r13
 *   +32  r12
 *   +40  rbx
 *   +48  rbp
 *   +56  return address
 */
    .text

/* void mica_ctx_switch_asm(void **save_sp, void *load_sp) */
    .globl  mica_ctx_switch_asm
    .type   mica_ctx_switch_asm, @function
    .p2align 4
mica_ctx_switch_asm:
    .cfi_startproc
    pushq   %rbp                /* callee-saved registers onto our stack */
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    subq    $8, %rsp            /* room for the FP control words */
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)              /* SSE rounding mode and exception masks */
    fnstcw  4(%rsp)             /* x87 precision and rounding control */
    movq    %rsp, (%rdi)        /* *save_sp = our stack pointer */
    movq    %rsi, %rsp          /* switch to the other stack */
    ldmxcsr (%rsp)              /* its FP control words */
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15                /* its callee-saved registers */
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret                         /* resume where it switched away (or its entry) */
    .cfi_endproc
    .size   mica_ctx_switch_asm, .-mica_ctx_switch_asm

/* void mica_ctx_jump_asm(void *load_sp): switch without saving (the old context is abandoned) */
    .globl  mica_ctx_jump_asm
    .type   mica_ctx_jump_asm, @function
    .p2align 4
mica_ctx_jump_asm:
    .cfi_startproc
    movq    %rdi, %rsp          /* the new stack */
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .cfi_endproc
    .size   mica_ctx_jump_asm, .-mica_ctx_jump_asm

/*
 * void mica_call_on_stack(void (*fn)(void *), void *arg, void *stack_top, void **save_sp)
 *
 * Call fn(arg) with the stack pointer at stack_top (16-byte aligned), then
 * come back to the caller's stack. If save_sp is not NULL, *save_sp is the
 * caller's stack pointer at the switch: nothing at or above it may be
 * reused while fn runs. Used to run task code on a VSpace stack and the
 * kernel on the thread's host kernel stack (ctx.c). Only the pushed rbp and
 * return address live on the caller's stack: if that is a VSpace stack
 * unmapped meanwhile, the pop after the switch back is the first access to
 * it, an ordinary VM fault of task code, retried with every register restored.
 */
    .globl  mica_call_on_stack
    .type   mica_call_on_stack, @function
    .p2align 4
mica_call_on_stack:
    .cfi_startproc
    pushq   %rbp                /* the caller's frame pointer, on the caller's stack */
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset %rbp, 0
    movq    %rsp, %rbp          /* rbp (callee-saved) remembers the caller's stack */
    .cfi_def_cfa_register %rbp
    testq   %rcx, %rcx
    jz      1f
    movq    %rsp, (%rcx)        /* *save_sp = the caller's stack pointer */
1:  movq    %rdx, %rsp          /* the other stack */
    movq    %rdi, %rax
    movq    %rsi, %rdi
    callq   *%rax               /* fn(arg) */
    movq    %rbp, %rsp          /* back to the caller's stack */
    .cfi_def_cfa_register %rsp
    popq    %rbp
    .cfi_adjust_cfa_offset -8
    .cfi_restore %rbp
    ret
    .cfi_endproc
    .size   mica_call_on_stack, .-mica_call_on_stack

    .section .note.GNU-stack,"",@progbits

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

    .section .note.GNU-stack,"",@progbits

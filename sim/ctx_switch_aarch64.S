/*
 * ctx_switch_aarch64.S - the fast context switch for AArch64 (AAPCS64).
 *
 * Saves the callee-saved registers x19-x28, the frame pointer x29, the link
 * register x30, the low halves d8-d15 of v8-v15, and FPCR (rounding mode).
 *
 * Saved frame, 176 bytes at the saved stack pointer:
 *
 *   +0   x19 x20    +16  x21 x22    +32  x23 x24    +48  x25 x26
 *   +64  x27 x28    +80  x29 x30    +96  d8  d9     +112 d10 d11
 *   +128 d12 d13    +144 d14 d15    +160 fpcr       +168 padding
 */
    .text

/* void mica_ctx_switch_asm(void **save_sp, void *load_sp) */
    .globl  mica_ctx_switch_asm
    .type   mica_ctx_switch_asm, %function
    .p2align 4
mica_ctx_switch_asm:
    .cfi_startproc
    sub     sp, sp, #176        /* room for the frame */
    stp     x19, x20, [sp, #0]  /* callee-saved integer registers */
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80] /* frame pointer and return address */
    stp     d8, d9, [sp, #96]   /* callee-saved FP registers */
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr            /* FP control: rounding mode, traps */
    str     x9, [sp, #160]
    mov     x9, sp
    str     x9, [x0]            /* *save_sp = our stack pointer */
    mov     sp, x1              /* switch to the other stack */
    b       1f
    .cfi_endproc
    .size   mica_ctx_switch_asm, .-mica_ctx_switch_asm

/* void mica_ctx_jump_asm(void *load_sp): switch without saving */
    .globl  mica_ctx_jump_asm
    .type   mica_ctx_jump_asm, %function
    .p2align 4
mica_ctx_jump_asm:
    .cfi_startproc
    mov     sp, x0              /* the new stack */
1:
    ldr     x9, [sp, #160]      /* its FP control */
    msr     fpcr, x9
    ldp     x19, x20, [sp, #0]  /* its callee-saved registers */
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    add     sp, sp, #176
    ret                         /* to x30: where it switched away, or its entry */
    .cfi_endproc
    .size   mica_ctx_jump_asm, .-mica_ctx_jump_asm

/*
 * void mica_call_on_stack(void (*fn)(void *), void *arg, void *stack_top, void **save_sp)
 *
 * Call fn(arg) with sp at stack_top (16-byte aligned), then come back to the
 * caller's stack; *save_sp (if save_sp is not NULL) gets the caller's sp at
 * the switch. As on x86_64 (see ctx_switch_x86_64.S): only x29/x30 live on
 * the caller's stack, reloaded after the switch back.
 */
    .globl  mica_call_on_stack
    .type   mica_call_on_stack, %function
    .p2align 4
mica_call_on_stack:
    .cfi_startproc
    stp     x29, x30, [sp, #-16]!   /* frame record on the caller's stack */
    .cfi_def_cfa_offset 16
    .cfi_offset x29, -16
    .cfi_offset x30, -8
    mov     x29, sp             /* x29 (callee-saved) remembers the caller's stack */
    .cfi_def_cfa_register x29
    cbz     x3, 1f
    mov     x9, sp
    str     x9, [x3]            /* *save_sp = the caller's stack pointer */
1:  mov     sp, x2              /* the other stack */
    mov     x9, x0
    mov     x0, x1
    blr     x9                  /* fn(arg) */
    mov     sp, x29             /* back to the caller's stack */
    .cfi_def_cfa_register sp
    ldp     x29, x30, [sp], #16
    .cfi_def_cfa_offset 0
    .cfi_restore x29
    .cfi_restore x30
    ret
    .cfi_endproc
    .size   mica_call_on_stack, .-mica_call_on_stack

    .section .note.GNU-stack,"",%progbits

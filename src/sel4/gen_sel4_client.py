#!/usr/bin/env python3
"""Generate sel4/sel4_client.h: the generated part of <sel4/sel4.h>.

    gen_sel4_client.py INVOCATIONS_DEF INVOCATIONS_TAB OUTPUT

It writes
  * libsel4's bit-field helpers (_new, _ptr_new, _get_, _set_, _ptr_get_,
    _ptr_set_) for seL4_MessageInfo, seL4_CapRights and seL4_CNode_CapData;
  * the seL4_Fault tagged union of x86_64 with its constructors and getters;
  * enum invocation_label: libsel4's label names with mica's numbers (each
    checked against include/mica/invocations.def);
  * one invocation stub per line of invocations.tab, built the way
    libsel4's syscall_stub_gen.py builds them: caps in the IPC buffer's cap
    slots, the other parameters packed into words, MR0..MR3 passed in
    registers (seL4_CallWithMRs) and copied into the IPC buffer only when
    the result is an error, results read from MR0.. on success.
"""
import re
import sys

WORD = 64
FAST_MRS = 4                # x86_64 passes MR0..MR3 in registers

# Parameter types: size in bits (0: a capability, passed as an extra cap).
CAP_TYPES = {'seL4_CPtr', 'seL4_CNode', 'seL4_TCB', 'seL4_Untyped', 'seL4_IRQHandler',
             'seL4_IRQControl', 'seL4_X64_PML4', 'seL4_X86_Page', 'seL4_X86_PageTable',
             'seL4_X86_PDPT', 'seL4_X86_PageDirectory'}
SIZES = {'seL4_Bool': 1, 'seL4_Uint8': 8, 'seL4_Uint16': 16, 'seL4_Uint32': 32,
         'seL4_Word': 64, 'seL4_Uint64': 64, 'seL4_CapRights_t': 64,
         'seL4_X86_VMAttributes': 64}
STRUCTS = {'seL4_UserContext': ['rip', 'rsp', 'rflags', 'rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi',
                                'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15',
                                'fs_base', 'gs_base']}
BITFIELD_TYPES = {'seL4_CapRights_t'}

# Register invocations take arch_flags: mica's flag for seL4_UserContext's order is added.
ARCH_FLAGS_EXPR = '(arch_flags | MICA_ARCH_FLAGS_SEL4_X86_64)'

# Bit-field blocks: name, fields from the most significant bit down (as in libsel4's .bf files).
BLOCKS = [
    ('seL4_MessageInfo', [('label', 52), ('capsUnwrapped', 3), ('extraCaps', 2), ('length', 7)]),
    ('seL4_CapRights', [(None, 60), ('capAllowGrantReply', 1), ('capAllowGrant', 1),
                        ('capAllowRead', 1), ('capAllowWrite', 1)]),
    ('seL4_CNode_CapData', [('guard', 58), ('guardSize', 6)]),
]

# seL4_Fault (x86_64 non-MCS): tag value, fields. A field i lives in words[i + 1].
FAULTS = [
    ('NullFault', 0, []),
    ('CapFault', 1, ['IP', 'Addr', 'InRecvPhase', 'LookupFailureType', 'MR4', 'MR5', 'MR6']),
    ('UnknownSyscall', 2, ['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'R8', 'R9', 'R10',
                           'R11', 'R12', 'R13', 'R14', 'R15', 'FaultIP', 'RSP', 'FLAGS',
                           'Syscall']),
    ('UserException', 3, ['FaultIP', 'Stack', 'FLAGS', 'Number', 'Code']),
    ('VMFault', 5, ['IP', 'Addr', 'PrefetchFault', 'FSR']),
]
FAULT_WORDS = 1 + max(len(f) for _, _, f in FAULTS)


def die(msg):
    sys.stderr.write('gen_sel4_client.py: %s\n' % msg)
    sys.exit(1)


def read_labels(path):
    labels = []
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*X\(\s*(\w+)\s*,', line)
            if m:
                labels.append(m.group(1))
    if not labels:
        die('%s lists no invocation' % path)
    return labels


class Param:
    def __init__(self, text, where):
        words = text.split()
        self.out = self.ref = False
        while words and words[0] in ('out', 'ref'):
            setattr(self, words.pop(0), True)
        if len(words) != 2:
            die('%s: cannot read parameter "%s"' % (where, text))
        self.type, self.name = words
        self.cap = self.type in CAP_TYPES
        if self.type in STRUCTS:
            if not self.ref:
                die('%s: struct %s must be "ref"' % (where, self.type))
        elif not self.cap and self.type not in SIZES:
            die('%s: unknown type %s' % (where, self.type))


def read_table(path, labels):
    methods = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            where = '%s:%d' % (path, n)
            m = re.match(r'(\w+)\s+(\w+)\s+(\w+)\s*=\s*(\w+)\s*\|(.*)$', line)
            if not m:
                die('%s: cannot read "%s"' % (where, line))
            iface, method, sel4_label, mica_label, params = m.groups()
            if mica_label not in labels:
                die('%s: %s is not in invocations.def' % (where, mica_label))
            params = [Param(p.strip(), where) for p in params.split(',') if p.strip()]
            methods.append((iface, method, sel4_label, mica_label, params))
    return methods


def emit_block(out, name, fields):
    t = name + '_t'
    if name == 'seL4_CNode_CapData':
        out.append('typedef struct %s {\n    seL4_Uint64 words[1];\n} %s;\n' % (name, t))
    shift = sum(b for _, b in fields)
    named = []
    for f, bits in fields:
        shift -= bits
        if f:
            named.append((f, bits, shift))
    mask = lambda bits: '0x%xull' % ((1 << bits) - 1)
    args = ', '.join('seL4_Uint64 %s' % f for f, _, _ in named)
    expr = ' | '.join('((%s & %s) << %d)' % (f, mask(b), s) for f, b, s in named)
    out.append('static inline %s %s_new(%s)\n{\n    %s v;\n    v.words[0] = %s;\n    return v;\n}\n'
               % (t, name, args, t, expr))
    out.append('static inline void %s_ptr_new(%s *p, %s)\n{\n    *p = %s_new(%s);\n}\n'
               % (name, t, args, name, ', '.join(f for f, _, _ in named)))
    for f, b, s in named:
        out.append('static inline seL4_Uint64 %s_get_%s(%s v)\n{\n    return (v.words[0] >> %d) & %s;\n}\n'
                   % (name, f, t, s, mask(b)))
        out.append('static inline %s %s_set_%s(%s v, seL4_Uint64 x)\n{\n'
                   '    v.words[0] = (v.words[0] & ~(%s << %d)) | ((x & %s) << %d);\n    return v;\n}\n'
                   % (t, name, f, t, mask(b), s, mask(b), s))
        out.append('static inline seL4_Uint64 %s_ptr_get_%s(const %s *p)\n{\n    return %s_get_%s(*p);\n}\n'
                   % (name, f, t, name, f))
        out.append('static inline void %s_ptr_set_%s(%s *p, seL4_Uint64 x)\n{\n    *p = %s_set_%s(*p, x);\n}\n'
                   % (name, f, t, name, f))


def emit_faults(out):
    out.append('typedef enum {')
    for name, tag, _ in FAULTS:
        out.append('    seL4_Fault_%s = %d,' % (name, tag))
    out[-1] = out[-1].rstrip(',')
    out.append('} seL4_Fault_tag_t;\n')
    out.append('MICA_STATIC_ASSERT(seL4_Fault_CapFault == MICA_FAULT_CAP && seL4_Fault_VMFault == MICA_FAULT_VM\n'
               '               && seL4_Fault_UnknownSyscall == MICA_FAULT_UNKNOWN_SYSCALL\n'
               '               && seL4_Fault_UserException == MICA_FAULT_USER_EXCEPTION, "fault labels");\n')
    out.append('/* A decoded fault message (seL4_getFault): words[0] holds the tag. */')
    out.append('typedef struct seL4_Fault {\n    seL4_Uint64 words[%d];\n} seL4_Fault_t;\n' % FAULT_WORDS)
    out.append('static inline seL4_Uint64 seL4_Fault_get_seL4_FaultType(seL4_Fault_t f)\n{\n'
               '    return f.words[0] & 0xfull;\n}\n')
    out.append('static inline seL4_Uint64 seL4_Fault_ptr_get_seL4_FaultType(const seL4_Fault_t *f)\n{\n'
               '    return f->words[0] & 0xfull;\n}\n')
    for name, tag, fields in FAULTS:
        fn = 'seL4_Fault_%s' % name
        args = ', '.join('seL4_Uint64 %s' % f for f in fields) or 'void'
        body = '    seL4_Fault_t f = { { %d } };\n' % tag
        for i, fld in enumerate(fields):
            body += '    f.words[%d] = %s;\n' % (i + 1, fld)
        out.append('static inline seL4_Fault_t %s_new(%s)\n{\n%s    return f;\n}\n' % (fn, args, body))
        out.append('static inline void %s_ptr_new(seL4_Fault_t *p%s)\n{\n    *p = %s_new(%s);\n}\n'
                   % (fn, ''.join(', seL4_Uint64 %s' % f for f in fields), fn, ', '.join(fields)))
        for i, fld in enumerate(fields):
            w = i + 1
            out.append('static inline seL4_Uint64 %s_get_%s(seL4_Fault_t f)\n{\n    return f.words[%d];\n}\n'
                       % (fn, fld, w))
            out.append('static inline seL4_Fault_t %s_set_%s(seL4_Fault_t f, seL4_Uint64 v)\n{\n'
                       '    f.words[%d] = v;\n    return f;\n}\n' % (fn, fld, w))
            out.append('static inline seL4_Uint64 %s_ptr_get_%s(const seL4_Fault_t *f)\n{\n'
                       '    return f->words[%d];\n}\n' % (fn, fld, w))
            out.append('static inline void %s_ptr_set_%s(seL4_Fault_t *f, seL4_Uint64 v)\n{\n'
                       '    f->words[%d] = v;\n}\n' % (fn, fld, w))


def align_up(x, a):
    return (x + a - 1) // a * a


def marshal(params):
    """The words of the message: a list of C expressions (syscall_stub_gen's packing)."""
    parts = {}      # word index -> [expr]
    bits = 0
    for p in params:
        if p.type in STRUCTS:
            bits = align_up(bits, WORD)
            for m in STRUCTS[p.type]:
                parts.setdefault(bits // WORD, []).append('%s->%s' % (p.name, m))
                bits += WORD
            continue
        size = SIZES[p.type]
        bits = align_up(bits, min(size, WORD))
        name = ARCH_FLAGS_EXPR if p.name == 'arch_flags' else p.name
        if p.type in BITFIELD_TYPES:
            expr = '%s.words[0]' % name
        elif size == WORD:
            expr = '(seL4_Word)%s' % name
        else:
            expr = '(((seL4_Word)%s & 0x%xull) << %d)' % (name, (1 << size) - 1, bits % WORD)
        parts.setdefault(bits // WORD, []).append(expr)
        bits += size
    return [' | '.join(parts[i]) for i in range(len(parts))]


def emit_stub(out, iface, method, sel4_label, params):
    ins = [p for p in params if not p.out]
    outs = [p for p in params if p.out]
    caps = [p for p in ins if p.cap]
    words = marshal([p for p in ins if not p.cap])
    struct_out = [p for p in outs if not p.ref]
    fname = '%s_%s' % (iface, method)
    if struct_out:
        rtype = fname + '_t'
        out.append('typedef struct %s {\n    int error;\n%s} %s;\n'
                   % (fname, ''.join('    %s %s;\n' % (p.type, p.name) for p in struct_out), rtype))
    else:
        rtype = 'seL4_Error'
    plist = ['%s _service' % iface]
    for p in params:
        if p.out and not p.ref:
            continue
        plist.append('%s%s *%s' % ('const ' if False else '', p.type, p.name) if p.ref
                     else '%s %s' % (p.type, p.name))
    err = 'result.error' if struct_out else 'result'
    b = []
    b.append('static inline %s\n%s(%s)\n{' % (rtype, fname, ', '.join(plist)))
    # Every field named: C++'s -Wextra flags a brace list that leaves some out.
    b.append('    %s result%s;' % (rtype, ' = { 0%s }' % (', 0' * len(struct_out))
                                        if struct_out else ''))
    b.append('    seL4_MessageInfo_t tag = seL4_MessageInfo_new(%s, 0, %d, %d);'
             % (sel4_label, len(caps), len(words)))
    b.append('    seL4_MessageInfo_t output_tag;')
    b.append('    seL4_Word mr0, mr1, mr2, mr3;')
    for i, c in enumerate(caps):
        b.append('    seL4_SetCap(%d, %s);' % (i, c.name))
    for i in range(FAST_MRS):
        b.append('    mr%d = %s;' % (i, words[i] if i < len(words) else '0'))
    if iface == 'seL4_TCB' and method == 'WriteRegisters':
        # As libsel4: only the first `count` registers are written to the buffer.
        b.append('    for (seL4_Word i = 2; i < count && i < %d; i++)' % len(STRUCTS['seL4_UserContext']))
        b.append('        seL4_SetMR((int)i + 2, ((seL4_Word *)regs)[i]);')
    else:
        for i in range(FAST_MRS, len(words)):
            b.append('    seL4_SetMR(%d, %s);' % (i, words[i]))
    b.append('    output_tag = seL4_CallWithMRs(_service, tag, &mr0, &mr1, &mr2, &mr3);')
    b.append('    %s = %sseL4_MessageInfo_get_label(output_tag);'
             % (err, '(int)' if struct_out else '(seL4_Error)'))
    b.append('    if (%s != seL4_NoError) {' % err)
    for i in range(FAST_MRS):
        b.append('        seL4_SetMR(%d, mr%d);' % (i, i))
    b.append('        return result;')
    b.append('    }')
    for p in outs:
        if p.ref:
            members = STRUCTS[p.type]
            for i in range(FAST_MRS):
                b.append('    %s->%s = mr%d;' % (p.name, members[i], i))
            # As libsel4: the registers after the first four come from the buffer, up to count.
            b.append('    for (seL4_Word i = %d; i < count && i < %d; i++)' % (FAST_MRS, len(members)))
            b.append('        ((seL4_Word *)%s)[i] = seL4_GetMR((int)i);' % p.name)
        else:
            b.append('    result.%s = mr0;' % p.name)
    b.append('    return result;\n}\n')
    out.append('\n'.join(b))


def main():
    if len(sys.argv) != 4:
        die('usage: gen_sel4_client.py INVOCATIONS_DEF INVOCATIONS_TAB OUTPUT')
    labels = read_labels(sys.argv[1])
    methods = read_table(sys.argv[2], labels)
    out = ['/* Generated by src/sel4/gen_sel4_client.py from src/sel4/invocations.tab and',
           ' * include/mica/invocations.def: do not edit. Included by <sel4/sel4.h>. */',
           '#ifndef MICA_SEL4_SEL4_CLIENT_H', '#define MICA_SEL4_SEL4_CLIENT_H', '']
    for name, fields in BLOCKS:
        emit_block(out, name, fields)
    out.append('#define seL4_ReadWrite     seL4_CapRights_new(0, 0, 1, 1)')
    out.append('#define seL4_AllRights     seL4_CapRights_new(1, 1, 1, 1)')
    out.append('#define seL4_CanRead       seL4_CapRights_new(0, 0, 1, 0)')
    out.append('#define seL4_CanWrite      seL4_CapRights_new(0, 0, 0, 1)')
    out.append('#define seL4_CanGrant      seL4_CapRights_new(0, 1, 0, 0)')
    out.append('#define seL4_CanGrantReply seL4_CapRights_new(1, 0, 0, 0)')
    out.append('#define seL4_NoWrite       seL4_CapRights_new(1, 1, 1, 0)')
    out.append('#define seL4_NoRead        seL4_CapRights_new(1, 1, 0, 1)')
    out.append('#define seL4_NoRights      seL4_CapRights_new(0, 0, 0, 0)\n')
    emit_faults(out)
    out.append('/* Invocation labels: libsel4\'s names, mica\'s numbers (include/mica/invocations.def). */')
    out.append('enum invocation_label {\n    InvalidInvocation = MICA_INVALID_INVOCATION,')
    seen = set()
    for _, _, sel4_label, mica_label, _ in methods:
        if sel4_label not in seen:
            seen.add(sel4_label)
            out.append('    %s = MICA_%s,' % (sel4_label, mica_label))
    out.append('    nInvocationLabels = MICA_NUM_INVOCATION_LABELS\n};\n')
    for iface, method, sel4_label, _, params in methods:
        emit_stub(out, iface, method, sel4_label, params)
    out.append('#endif /* MICA_SEL4_SEL4_CLIENT_H */')
    with open(sys.argv[3], 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

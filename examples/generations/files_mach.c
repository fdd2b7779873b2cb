/*
 * files_mach - the file service of README.md in the first generation's
 * style: Mach tasks talking through ports with mach_msg (machd plays the
 * Mach kernel), in the way MIG-generated code does it.
 *
 *   - every routine has a request and a reply message struct; a request's
 *     msgh_id is FILES_BASE + the routine's number, its reply's is that + 100;
 *   - a client stub per routine (files_open(port, ...) ...) builds the
 *     request, sends it and waits for the reply in one mach_msg
 *     (SEND|RCV), with a reply port passed as a send-once right;
 *   - the server's demux function checks a request's id and size, calls the
 *     routine, and answers MIG_BAD_ID for an id it does not know.
 *
 * Tasks: init makes the service's port and starts the server (which gets
 * the receive right) and the client (which gets the only send right). When
 * the client ends its send right goes, the port's no-senders notification
 * reaches the server, and the server ends too.
 */
#include <stdio.h>
#include <string.h>
#include <mach/mach.h>
#include <mica/sim.h>
#include <mica/user.h>

/* --- the interface: what MIG would generate from a .defs file ------------------ */

#define FILES_BASE 2400                 /* subsystem files 2400 */
enum { FILES_OPEN, FILES_WRITE, FILES_READ, FILES_CLOSE, FILES_ROUTINES };
#define FILES_REPLY_OFFSET 100          /* a reply's msgh_id: the request's + 100 */

/* MIG's errors (a reply's RetCode): as <mach/mig_errors.h> numbers them. */
#define MIG_TYPE_ERROR      (-300)      /* the request's size is not the routine's */
#define MIG_REPLY_MISMATCH  (-301)      /* the reply's id is not the request's + 100 */
#define MIG_BAD_ID          (-303)      /* no routine has the request's id */

/* The service's own error: a name opened without create that does not exist. */
#define FILES_NOT_FOUND     0x2401

#define FILES_NAME_MAX 32
#define FILES_DATA_MAX 256
#define FILES_MAX 4

typedef struct { mach_msg_header_t h; int32_t create; char name[FILES_NAME_MAX]; } files_open_request_t;
typedef struct { mach_msg_header_t h; kern_return_t ret; int32_t handle; } files_open_reply_t;
typedef struct {
    mach_msg_header_t h;
    int32_t handle;
    uint32_t offset, count;
    char data[FILES_DATA_MAX];
} files_write_request_t;
typedef struct { mach_msg_header_t h; kern_return_t ret; uint32_t count; } files_write_reply_t;
typedef struct { mach_msg_header_t h; int32_t handle; uint32_t offset, max; } files_read_request_t;
typedef struct {
    mach_msg_header_t h;
    kern_return_t ret;
    uint32_t count;
    char data[FILES_DATA_MAX];
} files_read_reply_t;
typedef struct { mach_msg_header_t h; int32_t handle; } files_close_request_t;
typedef struct { mach_msg_header_t h; kern_return_t ret; } files_close_reply_t;

/* Any reply that carries only an error: what the demux answers a bad request. */
typedef struct { mach_msg_header_t h; kern_return_t ret; } files_error_reply_t;

/* Big enough for every request and reply of the interface. */
typedef union {
    mach_msg_header_t h;
    files_open_request_t open_rq;
    files_open_reply_t open_rp;
    files_write_request_t write_rq;
    files_write_reply_t write_rp;
    files_read_request_t read_rq;
    files_read_reply_t read_rp;
    files_close_request_t close_rq;
    files_close_reply_t close_rp;
    files_error_reply_t error_rp;
    mach_notify_msg_t notify;
} files_msg_t;

/* --- client stubs ----------------------------------------------------------------- */

static mach_port_t reply_port;          /* the client's reply port, made at its first call */

/*
 * Send the request in m (size bytes, routine number routine) to server with
 * a send-once right to the reply port made from it, and receive the reply
 * into m; the reply's RetCode, or a mach_msg or MIG error.
 */
static kern_return_t files_rpc(mach_port_t server, files_msg_t *m, mach_msg_size_t size,
                               int routine)
{
    if (reply_port == MACH_PORT_NULL &&
        mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &reply_port) != KERN_SUCCESS)
        return KERN_RESOURCE_SHORTAGE;
    m->h.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, MACH_MSG_TYPE_MAKE_SEND_ONCE);
    m->h.msgh_size = size;
    m->h.msgh_remote_port = server;
    m->h.msgh_local_port = reply_port;
    m->h.msgh_id = FILES_BASE + routine;
    mach_msg_return_t r = mach_msg(&m->h, MACH_SEND_MSG | MACH_RCV_MSG, size, sizeof *m,
                                   reply_port, 0, MACH_PORT_NULL);
    if (r != MACH_MSG_SUCCESS)
        return r;
    if (m->h.msgh_id != FILES_BASE + routine + FILES_REPLY_OFFSET ||
        m->h.msgh_size < sizeof m->error_rp)
        return MIG_REPLY_MISMATCH;
    return m->error_rp.ret;
}

static kern_return_t files_open(mach_port_t server, const char *name, int create, int32_t *handle)
{
    files_msg_t m;
    memset(&m, 0, sizeof m);
    m.open_rq.create = create;
    snprintf(m.open_rq.name, sizeof m.open_rq.name, "%s", name);
    kern_return_t r = files_rpc(server, &m, sizeof m.open_rq, FILES_OPEN);
    if (r == KERN_SUCCESS)
        *handle = m.open_rp.handle;
    return r;
}

static kern_return_t files_write(mach_port_t server, int32_t handle, uint32_t offset,
                                 const void *data, uint32_t count, uint32_t *written)
{
    files_msg_t m;
    memset(&m, 0, sizeof m);
    if (count > FILES_DATA_MAX)
        return KERN_INVALID_ARGUMENT;
    m.write_rq.handle = handle;
    m.write_rq.offset = offset;
    m.write_rq.count = count;
    memcpy(m.write_rq.data, data, count);
    kern_return_t r = files_rpc(server, &m, sizeof m.write_rq, FILES_WRITE);
    if (r == KERN_SUCCESS)
        *written = m.write_rp.count;
    return r;
}

static kern_return_t files_read(mach_port_t server, int32_t handle, uint32_t offset, void *data,
                                uint32_t max, uint32_t *count)
{
    files_msg_t m;
    memset(&m, 0, sizeof m);
    m.read_rq.handle = handle;
    m.read_rq.offset = offset;
    m.read_rq.max = max;
    kern_return_t r = files_rpc(server, &m, sizeof m.read_rq, FILES_READ);
    if (r == KERN_SUCCESS) {
        *count = m.read_rp.count <= max ? m.read_rp.count : max;
        memcpy(data, m.read_rp.data, *count);
    }
    return r;
}

static kern_return_t files_close(mach_port_t server, int32_t handle)
{
    files_msg_t m;
    memset(&m, 0, sizeof m);
    m.close_rq.handle = handle;
    return files_rpc(server, &m, sizeof m.close_rq, FILES_CLOSE);
}

/* --- the server: its routines and the demux ------------------------------------------ */

static struct file {
    bool used, open;
    char name[FILES_NAME_MAX];
    uint32_t size;
    char data[FILES_DATA_MAX];
} files[FILES_MAX];

static struct file *file_of(int32_t handle)
{
    return handle >= 0 && handle < FILES_MAX && files[handle].open ? &files[handle] : NULL;
}

static kern_return_t do_open(const files_open_request_t *in, files_open_reply_t *out)
{
    if (memchr(in->name, 0, sizeof in->name) == NULL || in->name[0] == 0)
        return KERN_INVALID_ARGUMENT;
    int free_one = -1;
    for (int i = 0; i < FILES_MAX; i++) {
        if (files[i].used && strcmp(files[i].name, in->name) == 0) {
            files[i].open = true;
            out->handle = i;
            return KERN_SUCCESS;
        }
        if (!files[i].used && free_one < 0)
            free_one = i;
    }
    if (!in->create)
        return FILES_NOT_FOUND;
    if (free_one < 0)
        return KERN_RESOURCE_SHORTAGE;
    files[free_one] = (struct file){ .used = true, .open = true };
    snprintf(files[free_one].name, sizeof files[free_one].name, "%s", in->name);
    out->handle = free_one;
    return KERN_SUCCESS;
}

static kern_return_t do_write(const files_write_request_t *in, files_write_reply_t *out)
{
    struct file *f = file_of(in->handle);
    if (!f || in->count > FILES_DATA_MAX || in->offset > FILES_DATA_MAX - in->count)
        return KERN_INVALID_ARGUMENT;
    memcpy(f->data + in->offset, in->data, in->count);
    if (in->offset + in->count > f->size)
        f->size = in->offset + in->count;
    out->count = in->count;
    return KERN_SUCCESS;
}

static kern_return_t do_read(const files_read_request_t *in, files_read_reply_t *out)
{
    struct file *f = file_of(in->handle);
    if (!f)
        return KERN_INVALID_ARGUMENT;
    uint32_t n = in->offset < f->size ? f->size - in->offset : 0;
    if (n > in->max)
        n = in->max;
    memcpy(out->data, f->data + (in->offset < f->size ? in->offset : 0), n);
    out->count = n;
    return KERN_SUCCESS;
}

static kern_return_t do_close(const files_close_request_t *in, files_close_reply_t *out)
{
    (void)out;
    struct file *f = file_of(in->handle);
    if (!f)
        return KERN_INVALID_ARGUMENT;
    f->open = false;
    return KERN_SUCCESS;
}

/*
 * The demux: answer the request in `in` into `out` (header and RetCode
 * always filled). False when the id is no routine of the interface.
 */
static bool files_server(files_msg_t *in, files_msg_t *out)
{
    static const mach_msg_size_t request_size[FILES_ROUTINES] = {
        sizeof(files_open_request_t), sizeof(files_write_request_t),
        sizeof(files_read_request_t), sizeof(files_close_request_t),
    };
    static const mach_msg_size_t reply_size[FILES_ROUTINES] = {
        sizeof(files_open_reply_t), sizeof(files_write_reply_t),
        sizeof(files_read_reply_t), sizeof(files_close_reply_t),
    };
    memset(out, 0, sizeof *out);
    out->h.msgh_bits = MACH_MSGH_BITS(MACH_MSGH_BITS_REMOTE(in->h.msgh_bits), 0);
    out->h.msgh_remote_port = in->h.msgh_remote_port;
    out->h.msgh_id = in->h.msgh_id + FILES_REPLY_OFFSET;
    out->h.msgh_size = sizeof out->error_rp;
    int routine = in->h.msgh_id - FILES_BASE;
    if (routine < 0 || routine >= FILES_ROUTINES) {
        out->error_rp.ret = MIG_BAD_ID;
        return false;
    }
    if (in->h.msgh_size != request_size[routine]) {
        out->error_rp.ret = MIG_TYPE_ERROR;
        return true;
    }
    kern_return_t r;
    switch (routine) {
    case FILES_OPEN:  r = do_open(&in->open_rq, &out->open_rp); break;
    case FILES_WRITE: r = do_write(&in->write_rq, &out->write_rp); break;
    case FILES_READ:  r = do_read(&in->read_rq, &out->read_rp); break;
    default:          r = do_close(&in->close_rq, &out->close_rp); break;
    }
    out->error_rp.ret = r;
    if (r == KERN_SUCCESS)
        out->h.msgh_size = reply_size[routine];
    return true;
}

/* Serve the port until no send right to it is left anywhere. */
static void server(mach_port_t port, uintptr_t arg)
{
    (void)arg;
    static files_msg_t in, out;
    for (;;) {
        if (mach_msg(&in.h, MACH_RCV_MSG, 0, sizeof in, port, 0, MACH_PORT_NULL) != MACH_MSG_SUCCESS)
            continue;
        if (in.h.msgh_id == MACH_NOTIFY_NO_SENDERS)
            return;
        files_server(&in, &out);
        if (out.h.msgh_remote_port != MACH_PORT_NULL)
            mach_msg(&out.h, MACH_SEND_MSG, out.h.msgh_size, 0, MACH_PORT_NULL, 0, MACH_PORT_NULL);
    }
}

/* --- the client: the five requests of README.md ----------------------------------- */

static void client(mach_port_t server_port, uintptr_t arg)
{
    (void)arg;
    int requests = 0;
    int32_t h = -1;
    static const char text[] = "hello, generations";
    requests++;
    if (files_open(server_port, "greeting", 1, &h) != KERN_SUCCESS) {
        printf("client: open greeting failed\n");
        return;
    }
    printf("client: open greeting -> handle %d\n", (int)h);
    uint32_t n = 0;
    requests++;
    if (files_write(server_port, h, 0, text, sizeof text - 1, &n) == KERN_SUCCESS)
        printf("client: wrote %u bytes\n", (unsigned)n);
    char buf[FILES_DATA_MAX + 1];
    requests++;
    if (files_read(server_port, h, 0, buf, FILES_DATA_MAX, &n) == KERN_SUCCESS) {
        buf[n] = 0;
        printf("client: read \"%s\"\n", buf);
    }
    int32_t h2;
    requests++;
    kern_return_t r = files_open(server_port, "missing", 0, &h2);
    printf("client: open missing -> %s\n", r == FILES_NOT_FOUND ? "not found" : "found?");
    requests++;
    if (files_close(server_port, h) == KERN_SUCCESS)
        printf("client: closed, %d requests\n", requests);
}

static void init(mach_port_t bootstrap, uintptr_t arg)
{
    (void)bootstrap; (void)arg;
    mach_port_t port, previous;
    mach_port_allocate(mach_task_self(), MACH_PORT_RIGHT_RECEIVE, &port);
    mach_port_insert_right(mach_task_self(), port, port, MACH_MSG_TYPE_MAKE_SEND);
    /* The server learns on its own port that the last client has gone. */
    mach_port_request_notification(mach_task_self(), port, MACH_NOTIFY_NO_SENDERS, 1, port,
                                   MACH_MSG_TYPE_MAKE_SEND_ONCE, &previous);
    mach_task_spawn("files", server, 0, port, MACH_MSG_TYPE_MOVE_RECEIVE, 110);
    mach_task_spawn("client", client, 0, port, MACH_MSG_TYPE_MOVE_SEND, 100);
}

static void files_mach_root(const mica_bootinfo_t *bi, void *arg)
{
    (void)arg;
    static mica_env_t env;
    mica_env_init(&env, bi);
    machd_start(&env, "init", init, 0, 90);
}

int main(int argc, char **argv)
{
    return mica_main(argc, argv, files_mach_root, NULL);
}

/*
 * libFuzzer front end for a .NET fuzz target written with SharpFuzz (Fuzzer.LibFuzzer.Run), for run.sh.
 *
 * libFuzzer cannot see into a .NET process, so this program is the libFuzzer binary and the .NET harness runs as
 * its child. They share one System V shared memory segment: the first 64 KiB are SharpFuzz's edge-coverage map
 * (written by the instrumented assemblies), the next 1 MiB carries the input. Two pipes carry 32-bit integers:
 * control (driver to child: the input's length; fd number in __LIBFUZZER_CONTROL_PIPE_ID) and status (child to
 * driver: 0 when the input ran cleanly, non-zero for an exception; fd number in __LIBFUZZER_STATUS_PIPE_ID). The
 * child writes one status when it is ready. After each run the coverage map is copied into libFuzzer's extra
 * counters, so libFuzzer's corpus grows on .NET coverage; an exception becomes a crash (a trap), a child that
 * stops answering becomes libFuzzer's timeout.
 *
 * Build: clang -O1 -fsanitize=fuzzer libfuzzer-driver.c -o libfuzzer-driver
 * Run:   libfuzzer-driver [libFuzzer flags] [corpus dirs] --dotnet=HARNESS.dll --target=NAME
 *        (libFuzzer ignores flags that start with "--"; the child is "dotnet HARNESS.dll NAME --libfuzzer")
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define COVERAGE_BYTES (1 << 16)
#define INPUT_BYTES (1 << 20)

__attribute__((used, section("__libfuzzer_extra_counters"))) static uint8_t dotnet_coverage[COVERAGE_BYTES];

static int segment = -1;
static uint8_t *shared;
static int to_child = -1, from_child = -1;
static pid_t child;

static void fail(const char *what)
{
    fprintf(stderr, "libfuzzer-driver: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static void cleanup(void)
{
    if (segment >= 0) shmctl(segment, IPC_RMID, NULL);
    if (child > 0) kill(child, SIGKILL);
}

static const char *flag(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') return argv[i] + n + 1;
    return NULL;
}

static void write_int(int fd, int32_t v)
{
    const char *p = (const char *)&v;
    size_t left = sizeof v;
    while (left > 0)
    {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail("write to the .NET child");
        p += w;
        left -= (size_t)w;
    }
}

/* Returns 0 when the child closed the pipe (it died). */
static int read_int(int fd, int32_t *v)
{
    char *p = (char *)v;
    size_t left = sizeof *v;
    while (left > 0)
    {
        ssize_t r = read(fd, p, left);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail("read from the .NET child");
        if (r == 0) return 0;
        p += r;
        left -= (size_t)r;
    }
    return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *dll = flag(*argc, *argv, "--dotnet");
    const char *target = flag(*argc, *argv, "--target");
    if (!dll || !target)
    {
        fprintf(stderr, "usage: libfuzzer-driver [libFuzzer flags] [corpus dirs] --dotnet=HARNESS.dll --target=NAME\n");
        exit(2);
    }

    segment = shmget(IPC_PRIVATE, COVERAGE_BYTES + INPUT_BYTES, IPC_CREAT | IPC_EXCL | 0600);
    if (segment < 0) fail("shmget");
    atexit(cleanup);
    shared = (uint8_t *)shmat(segment, NULL, 0);
    if (shared == (void *)-1) fail("shmat");

    int control[2], status[2];
    if (pipe(control) != 0 || pipe(status) != 0) fail("pipe");

    child = fork();
    if (child < 0) fail("fork");
    if (child == 0)
    {
        char id[32], ctl[16], st[16];
        close(control[1]);
        close(status[0]);
        snprintf(id, sizeof id, "%d", segment);
        snprintf(ctl, sizeof ctl, "%d", control[0]);
        snprintf(st, sizeof st, "%d", status[1]);
        setenv("__LIBFUZZER_SHM_ID", id, 1);
        setenv("__LIBFUZZER_CONTROL_PIPE_ID", ctl, 1);
        setenv("__LIBFUZZER_STATUS_PIPE_ID", st, 1);
        execlp("dotnet", "dotnet", dll, target, "--libfuzzer", (char *)NULL);
        fail("exec dotnet");
    }
    close(control[0]);
    close(status[1]);
    to_child = control[1];
    from_child = status[0];

    int32_t ready;
    if (!read_int(from_child, &ready)) fail("the .NET child exited before it was ready");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > INPUT_BYTES) return 0; /* larger than the shared input area: not run */
    memset(shared, 0, COVERAGE_BYTES);
    memcpy(shared + COVERAGE_BYTES, data, size);
    write_int(to_child, (int32_t)size);
    int32_t status;
    int alive = read_int(from_child, &status);
    memcpy(dotnet_coverage, shared, COVERAGE_BYTES);
    if (!alive)
    {
        fprintf(stderr, "libfuzzer-driver: the .NET child died on this input\n");
        __builtin_trap();
    }
    if (status != 0)
    {
        fprintf(stderr, "libfuzzer-driver: the .NET target threw on this input (see its stack trace above)\n");
        __builtin_trap();
    }
    return 0;
}

// Records which methods of a Native AOT program run, in the order they first run (used by make-order.sh).
// Loaded with LD_PRELOAD; before main it puts an int3 at the entry of every method listed in $TRACE_ENTRIES
// (hex offsets from the program's load address, sorted) and takes SIGTRAP. The first call of a method traps
// once: the handler puts the original byte back, notes the method and lets the call go on. $TRACE_OUT gets
// the offsets in first-call order at exit, and whatever is new on SIGUSR2. x86-64 only (int3 is one byte;
// the names of the methods are the same in the arm64 build, so one order serves both).
// Written here because no tool does this for a Native AOT program: perf samples miss the methods that run
// once (most of a start), and the runtime's own reachability instrumentation skips generic methods.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

static unsigned long base, *entries, *hits;
static unsigned char *saved;
static long count, dumped;
static atomic_long hit_count;
static int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);

static long find(unsigned long offset)
{
    long lo = 0, hi = count - 1;
    while (lo <= hi) {
        long mid = (lo + hi) / 2;
        if (entries[mid] == offset) return mid;
        if (entries[mid] < offset) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

static void dump(void)
{
    const char *out = getenv("TRACE_OUT");
    int fd = out ? open(out, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
    if (fd < 0) return;
    long end = atomic_load(&hit_count);
    char line[32];
    for (long i = dumped; i < end; i++) {
        int length = snprintf(line, sizeof line, "%016lx\n", hits[i]);
        if (write(fd, line, length) != length) break;
    }
    dumped = end;
    close(fd);
}

static void on_trap(int signal, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;
    unsigned long pc = uc->uc_mcontext.gregs[REG_RIP] - 1;
    long i = find(pc - base);
    if (i < 0) {
        static const char message[] = "entry-trace: an int3 that is not ours\n";
        (void)!write(2, message, sizeof message - 1);
        abort();
    }
    // Two threads may trap on the same entry: the one that puts the byte back records the call.
    unsigned char trap = 0xCC;
    if (__atomic_compare_exchange_n((unsigned char *)pc, &trap, saved[i], 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        hits[atomic_fetch_add(&hit_count, 1)] = pc - base;
    uc->uc_mcontext.gregs[REG_RIP] = pc;
}

static void on_usr2(int signal) { dump(); }

// The runtime installs its own handlers at start; SIGTRAP and SIGUSR2 stay ours while tracing.
int sigaction(int signal, const struct sigaction *action, struct sigaction *old)
{
    if (!real_sigaction) real_sigaction = dlsym(RTLD_NEXT, "sigaction");
    if (entries && action && (signal == SIGTRAP || signal == SIGUSR2)) return 0;
    return real_sigaction(signal, action, old);
}

__attribute__((destructor)) static void finish(void) { if (entries) dump(); }

__attribute__((constructor)) static void start(void)
{
    const char *list = getenv("TRACE_ENTRIES");
    char exe[4096], line[8192];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (!list || length <= 0) return;
    exe[length] = 0;
    real_sigaction = dlsym(RTLD_NEXT, "sigaction");
    unsigned long code_start = 0, code_end = 0, value, capacity = 1 << 16;
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps && fgets(line, sizeof line, maps)) {
        unsigned long from, to, offset;
        char mode[8], path[4096] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &from, &to, mode, &offset, path) >= 4 && strcmp(path, exe) == 0) {
            if (offset == 0) base = from;
            if (mode[2] == 'x') { code_start = from; code_end = to; }
        }
    }
    if (maps) fclose(maps);
    FILE *in = fopen(list, "r");
    unsigned long *read_entries = malloc(capacity * sizeof *read_entries);
    while (in && fscanf(in, "%lx", &value) == 1) {
        if (count == (long)capacity) read_entries = realloc(read_entries, (capacity *= 2) * sizeof *read_entries);
        read_entries[count++] = value;
    }
    if (in) fclose(in);
    saved = malloc(count);
    hits = malloc(count * sizeof *hits);
    if (!code_start || mprotect((void *)code_start, code_end - code_start, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) return;
    for (long i = 0; i < count; i++) {
        unsigned char *at = (unsigned char *)(base + read_entries[i]);
        saved[i] = *at;
        *at = 0xCC;
    }
    struct sigaction trap = {0}, usr2 = {0};
    trap.sa_sigaction = on_trap;
    trap.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER;
    usr2.sa_handler = on_usr2;
    usr2.sa_flags = SA_RESTART;
    real_sigaction(SIGTRAP, &trap, NULL);
    real_sigaction(SIGUSR2, &usr2, NULL);
    entries = read_entries;
}

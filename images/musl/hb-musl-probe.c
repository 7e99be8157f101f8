/* hb-musl-probe — test program of the handbox/musl image.
 *
 * Built by images/build-musl.sh with Debian's musl-gcc, dynamically linked
 * against musl. Run inside the image it prints which C library it was built
 * for, its program interpreter and every shared object loaded into it, so a
 * test (or a person) can see that the image's libc is musl. Exits 0 when the
 * process runs on musl and no glibc object is loaded, 1 otherwise. */
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

static int glibc_seen;

static int print_object(struct dl_phdr_info *info, size_t size, void *data)
{
    const char *name = info->dlpi_name;
    int i;

    (void)size;
    (void)data;
    if (name == NULL || name[0] == '\0')
        name = "(unnamed, the vDSO)";
    printf("object: %s\n", name);
    if (strstr(name, "libc.so.6") || strstr(name, "ld-linux"))
        glibc_seen = 1;
    /* The main program's PT_INTERP names the loader the kernel started. */
    for (i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type == PT_INTERP)
            printf("interpreter: %s\n",
                   (const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr));
    }
    return 0;
}

int main(void)
{
#if defined(__GLIBC__)
    puts("libc: glibc (built against glibc headers: wrong compiler)");
    return 1;
#else
    /* musl defines no identifying macro on purpose; not being glibc (or
     * uClibc) while built by musl-gcc is how musl is told apart. */
    puts("libc: musl");
    dl_iterate_phdr(print_object, NULL);
    if (glibc_seen) {
        puts("FAIL: a glibc object is loaded");
        return 1;
    }
    puts("hb-musl-probe: ok");
    return 0;
#endif
}

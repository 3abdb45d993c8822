/*
 * pincounter: a PKCS#11 module that makes SoftHSM2 count wrong user PINs like a smart card.
 *
 * Every function is forwarded to the target module (dlopen of env PINCOUNTER_TARGET, else the
 * compiled-in PINCOUNTER_DEFAULT_TARGET) through this module's own CK_FUNCTION_LIST. Only
 * these are intercepted:
 *
 *   C_Login (CKU_USER, CKU_CONTEXT_SPECIFIC), C_SetPIN (user session):
 *       refused with CKR_PIN_LOCKED, without forwarding, once the token is locked; a
 *       CKR_PIN_INCORRECT answer counts one wrong try; success resets the count.
 *   C_InitPIN (the SO sets the user PIN), C_InitToken: success resets the count (unlocks).
 *   C_GetTokenInfo: SoftHSM's own USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED bits are cleared and
 *       replaced by ours: 1 wrong try -> COUNT_LOW, MAX-1 -> COUNT_LOW|FINAL_TRY,
 *       MAX -> LOCKED (MAX = env PINCOUNTER_MAX_TRIES, default 3).
 *
 * The count lives in a file per token serial under env PINCOUNTER_STATE_DIR (else the
 * compiled-in PINCOUNTER_DEFAULT_STATE_DIR), updated under flock(2), so it persists across
 * processes as on a real card. The PIN itself is never stored or logged.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -I/usr/include/p11-kit-1 -o pincounter.so pincounter.c -ldl
 * (tests/fixtures/pincounter.py does this at test time).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#ifndef PINCOUNTER_DEFAULT_TARGET
#define PINCOUNTER_DEFAULT_TARGET "/usr/lib/softhsm/libsofthsm2.so"
#endif
#ifndef PINCOUNTER_DEFAULT_STATE_DIR
#define PINCOUNTER_DEFAULT_STATE_DIR "/tmp/pincounter"
#endif

#define PIN_FLAGS (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)

static CK_FUNCTION_LIST_PTR target = NULL;
static CK_FUNCTION_LIST wrapper;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static CK_RV load_rv = CKR_GENERAL_ERROR;

/* ---- state files ------------------------------------------------------------------------ */

static const char *state_dir(void)
{
    const char *dir = getenv("PINCOUNTER_STATE_DIR");
    return (dir && *dir) ? dir : PINCOUNTER_DEFAULT_STATE_DIR;
}

static long max_tries(void)
{
    const char *s = getenv("PINCOUNTER_MAX_TRIES");
    long n = s ? strtol(s, NULL, 10) : 0;
    return n > 0 ? n : 3;
}

/* Token serial (16 blank-padded chars) -> safe file name "<serial>.count". */
static int state_path(const CK_TOKEN_INFO *ti, char *out, size_t outlen)
{
    char serial[sizeof(ti->serialNumber) + 1];
    size_t n = sizeof(ti->serialNumber);
    while (n > 0 && (ti->serialNumber[n - 1] == ' ' || ti->serialNumber[n - 1] == '\0'))
        n--;
    if (n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = (char)ti->serialNumber[i];
        int ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
        serial[i] = ok ? c : '_';
    }
    serial[n] = '\0';
    int len = snprintf(out, outlen, "%s/%s.count", state_dir(), serial);
    return (len > 0 && (size_t)len < outlen) ? 0 : -1;
}

/* Apply op to the stored count: op 0 = read, 1 = increment, 2 = reset. Returns the new count. */
static long update_count(const CK_TOKEN_INFO *ti, int op)
{
    char path[4096];
    char buf[32];
    long count = 0;
    if (state_path(ti, path, sizeof(path)) != 0)
        return 0;
    if (op != 0)
        mkdir(state_dir(), 0700); /* EEXIST is fine */
    int fd = open(path, op == 0 ? O_RDONLY : (O_RDWR | O_CREAT), 0600);
    if (fd < 0)
        return 0; /* no file yet (or no state dir): no wrong tries */
    if (flock(fd, op == 0 ? LOCK_SH : LOCK_EX) == 0) {
        ssize_t got = pread(fd, buf, sizeof(buf) - 1, 0);
        if (got > 0) {
            buf[got] = '\0';
            count = strtol(buf, NULL, 10);
        }
        if (op != 0) {
            count = (op == 1) ? count + 1 : 0;
            int len = snprintf(buf, sizeof(buf), "%ld\n", count);
            if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
                /* best effort: the counter is a test aid */
            }
        }
        flock(fd, LOCK_UN);
    }
    close(fd);
    return count;
}

static int token_of_slot(CK_SLOT_ID slot, CK_TOKEN_INFO *ti)
{
    return target->C_GetTokenInfo(slot, ti) == CKR_OK ? 0 : -1;
}

static int token_of_session(CK_SESSION_HANDLE h, CK_TOKEN_INFO *ti, CK_STATE *state)
{
    CK_SESSION_INFO si;
    if (target->C_GetSessionInfo(h, &si) != CKR_OK)
        return -1;
    if (state)
        *state = si.state;
    return token_of_slot(si.slotID, ti);
}

/* ---- intercepted functions -------------------------------------------------------------- */

static CK_RV pc_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    CK_RV rv = target->C_GetTokenInfo(slot, info);
    if (rv != CKR_OK || info == NULL)
        return rv;
    long n = update_count(info, 0), max = max_tries();
    info->flags &= ~(CK_FLAGS)PIN_FLAGS;
    if (n >= max)
        info->flags |= CKF_USER_PIN_LOCKED;
    else if (n == max - 1)
        info->flags |= CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY;
    else if (n >= 1)
        info->flags |= CKF_USER_PIN_COUNT_LOW;
    return CKR_OK;
}

/* Forward a user-PIN check, counting it. */
static CK_RV counted(CK_TOKEN_INFO *ti, int have_token, CK_RV rv)
{
    if (!have_token)
        return rv;
    if (rv == CKR_PIN_INCORRECT)
        update_count(ti, 1);
    else if (rv == CKR_OK)
        update_count(ti, 2);
    return rv;
}

static CK_RV pc_Login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    if (user != CKU_USER && user != CKU_CONTEXT_SPECIFIC)
        return target->C_Login(h, user, pin, len);
    CK_TOKEN_INFO ti;
    int have = token_of_session(h, &ti, NULL) == 0;
    if (have && update_count(&ti, 0) >= max_tries())
        return CKR_PIN_LOCKED;
    return counted(&ti, have, target->C_Login(h, user, pin, len));
}

static CK_RV pc_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
                       CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{
    CK_TOKEN_INFO ti;
    CK_STATE state = 0;
    int have = token_of_session(h, &ti, &state) == 0;
    if (have && state == CKS_RW_SO_FUNCTIONS) /* the SO changes the SO PIN */
        return target->C_SetPIN(h, old_pin, old_len, new_pin, new_len);
    if (have && update_count(&ti, 0) >= max_tries())
        return CKR_PIN_LOCKED;
    return counted(&ti, have, target->C_SetPIN(h, old_pin, old_len, new_pin, new_len));
}

static CK_RV pc_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
    CK_RV rv = target->C_InitPIN(h, pin, len);
    CK_TOKEN_INFO ti;
    if (rv == CKR_OK && token_of_session(h, &ti, NULL) == 0)
        update_count(&ti, 2);
    return rv;
}

static CK_RV pc_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
    CK_RV rv = target->C_InitToken(slot, pin, len, label);
    CK_TOKEN_INFO ti;
    if (rv == CKR_OK && token_of_slot(slot, &ti) == 0)
        update_count(&ti, 2);
    return rv;
}

/* ---- loading ------------------------------------------------------------------------------ */

static CK_RV pc_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static void load_target(void)
{
    const char *path = getenv("PINCOUNTER_TARGET");
    if (!path || !*path)
        path = PINCOUNTER_DEFAULT_TARGET;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        fprintf(stderr, "pincounter: cannot load %s: %s\n", path, dlerror());
        return;
    }
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(handle, "C_GetFunctionList");
    if (!get || get(&target) != CKR_OK || target == NULL) {
        fprintf(stderr, "pincounter: %s has no usable C_GetFunctionList\n", path);
        target = NULL;
        return;
    }
    memcpy(&wrapper, target, sizeof(wrapper));
    wrapper.C_GetFunctionList = pc_GetFunctionList;
    wrapper.C_GetTokenInfo = pc_GetTokenInfo;
    wrapper.C_Login = pc_Login;
    wrapper.C_SetPIN = pc_SetPIN;
    wrapper.C_InitPIN = pc_InitPIN;
    wrapper.C_InitToken = pc_InitToken;
    load_rv = CKR_OK;
}

static CK_RV pc_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (list == NULL)
        return CKR_ARGUMENTS_BAD;
    pthread_once(&load_once, load_target);
    if (load_rv != CKR_OK)
        return load_rv;
    *list = &wrapper;
    return CKR_OK;
}

__attribute__((visibility("default"))) CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    return pc_GetFunctionList(list);
}

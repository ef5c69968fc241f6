/*
 * A stand-in libnvidia-ml.so.1 for tests (compiled by the test with gcc): the few NVML calls the
 * nvml power source makes, with the real signatures. Driven by environment variables:
 *   NVML_STUB_POWER_W       constant power, W (default 200)
 *   NVML_STUB_UPDATE_MS     energy counter update period, ms (default 20)
 *   NVML_STUB_ENERGY_ERROR  nvmlReturn_t for the energy counter (3 = NOT_SUPPORTED, pre-Volta)
 *   NVML_STUB_FIELD_ERROR   nvmlReturn_t inside the instant-power field value
 *   NVML_STUB_INIT_ERROR    nvmlReturn_t for nvmlInit_v2 (9 = DRIVER_NOT_LOADED)
 *   NVML_STUB_DEVICES       device count (default 1)
 */
#include <stdlib.h>
#include <time.h>

typedef struct { int unused; } *nvmlDevice_t;
typedef struct {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;
  long long latencyUsec;
  int valueType;
  int nvmlReturn;
  unsigned long long value;
} nvmlFieldValue_t;

static struct { int unused; } devices[8];
static double start_ms = -1;

static int env_int(const char *name, int fallback) {
  const char *v = getenv(name);
  return v && *v ? atoi(v) : fallback;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int nvmlInit_v2(void) {
  if (start_ms < 0) start_ms = now_ms();
  return env_int("NVML_STUB_INIT_ERROR", 0);
}
int nvmlShutdown(void) { return 0; }

const char *nvmlErrorString(int result) {
  switch (result) {
    case 0: return "Success";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 9: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  if (index >= (unsigned int)env_int("NVML_STUB_DEVICES", 1) || index >= 8) return 2;
  *device = (nvmlDevice_t)&devices[index];
  return 0;
}

/* mJ since init, advancing in steps of the update period as the real counter does. */
int nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy) {
  (void)device;
  int err = env_int("NVML_STUB_ENERGY_ERROR", 0);
  if (err) return err;
  double period = env_int("NVML_STUB_UPDATE_MS", 20);
  double elapsed = now_ms() - start_ms;
  double stepped = (double)(long long)(elapsed / period) * period;
  *energy = (unsigned long long)(stepped * env_int("NVML_STUB_POWER_W", 200) + 1e9);
  return 0;
}

int nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t *values) {
  (void)device;
  for (int i = 0; i < count; i++) {
    values[i].timestamp = (long long)(now_ms() * 1000);
    values[i].latencyUsec = 0;
    values[i].nvmlReturn = values[i].fieldId == 186 ? env_int("NVML_STUB_FIELD_ERROR", 0) : 3;
    values[i].valueType = 1; /* unsigned int, mW */
    values[i].value = (unsigned long long)env_int("NVML_STUB_POWER_W", 200) * 1000;
  }
  return 0;
}

int nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *mw) {
  (void)device;
  *mw = (unsigned int)env_int("NVML_STUB_POWER_W", 200) * 1000;
  return 0;
}

int nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *mhz) {
  (void)device;
  *mhz = type == 1 ? 1980 : type == 2 ? 2619 : 0;
  return type == 1 || type == 2 ? 0 : 2;
}

int nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *celsius) {
  (void)device;
  (void)sensor;
  *celsius = 54;
  return 0;
}

int nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *reasons) {
  (void)device;
  *reasons = 0x4; /* sw_power_cap */
  return 0;
}

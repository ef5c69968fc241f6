/** `nvidia-smi --version`: `DRIVER version : 590.48.01`, `CUDA Version : 13.1`, … */
export interface NvidiaSmiVersion {
  readonly smiVersion?: string;
  readonly nvmlVersion?: string;
  readonly driverVersion?: string;
  readonly cudaVersion?: string;
}

export function parseNvidiaSmiVersion(text: string): NvidiaSmiVersion {
  const get = (label: RegExp): string | undefined => {
    for (const line of text.split(/\r?\n/)) {
      const m = line.match(label);
      if (m) {
        const v = m[1]!.trim();
        return v === '' || v.startsWith('[') || v === 'N/A' ? undefined : v;
      }
    }
    return undefined;
  };
  return {
    smiVersion: get(/^NVIDIA-SMI version\s*:\s*(.*)$/i),
    nvmlVersion: get(/^NVML version\s*:\s*(.*)$/i),
    driverVersion: get(/^DRIVER version\s*:\s*(.*)$/i),
    cudaVersion: get(/^CUDA Version\s*:\s*(.*)$/i),
  };
}

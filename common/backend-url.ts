/** Builds backend request paths `/<device>/<partition>/<account>[/<container>[/<object>]]`. */

function encodeName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

export function backendPath(
  device: string,
  partition: number,
  account: string,
  container?: string,
  object?: string,
): string {
  let path = `/${encodeURIComponent(device)}/${partition}/${encodeURIComponent(account)}`;
  if (container !== undefined) path += `/${encodeURIComponent(container)}`;
  if (object !== undefined) path += `/${encodeName(object)}`;
  return path;
}

/** `ip:port` as used in X-Container-Host; IPv6 in brackets. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

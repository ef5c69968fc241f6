// The collector's JSON API as the dashboard uses it. Every response shape is read here, once.

// When the collector's reads are closed (no --public-read), the page asks for a read token once per
// browser tab: kept in sessionStorage (gone when the tab closes), sent as Authorization: Bearer.
const TOKEN_KEY = 'neuralpower.token';

export function setToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Thrown on 401/403: the page shows the token form. */
export class AuthRequired extends Error {}

async function request(method, path, body) {
  const init = { method, headers: { accept: 'application/json' } };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let json = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    throw new Error(`${method} ${path}: not JSON (HTTP ${res.status})`);
  }
  if (res.status === 401 || res.status === 403) {
    throw new AuthRequired(json?.error?.message ?? `HTTP ${res.status}`);
  }
  if (!res.ok) {
    const message = json?.error?.message ?? `HTTP ${res.status}`;
    const field = json?.error?.field ? ` (${json.error.field})` : '';
    throw new Error(`${message}${field}`);
  }
  return json;
}

const list = (json, key) => (Array.isArray(json) ? json : (json?.[key] ?? []));

export async function platforms() {
  return list(await request('GET', '/v1/platforms'), 'platforms');
}

/** Every campaign of the fleet (all platforms, all states). */
export async function allCampaigns() {
  return list(await request('GET', '/v1/campaigns'), 'campaigns');
}

export async function campaigns(platformId) {
  return list(await request('GET', `/v1/campaigns?platform=${encodeURIComponent(platformId)}`), 'campaigns');
}

export async function platform(id) {
  const json = await request('GET', `/v1/platforms/${encodeURIComponent(id)}`);
  return json?.platform ?? json;
}

export async function modelVersions(id) {
  return list(await request('GET', `/v1/platforms/${encodeURIComponent(id)}/models`), 'versions');
}

/** Predicted and measured values of every measured layer under the current models (dashboard route). */
export async function fitPoints(id) {
  return request('GET', `/dashboard/api/platforms/${encodeURIComponent(id)}/fit-points`);
}

export async function zoo() {
  return list(await request('GET', '/dashboard/api/zoo'), 'networks');
}

/** `network` is a zoo name or a file: {format, json} for JSON files, {format: 'onnx', base64} for ONNX. */
export async function predict(platformId, network, batch, version) {
  const body = { platform: platformId, network, batch };
  if (version !== null) body.version = version;
  return request('POST', '/v1/predict', body);
}

export async function validation(id) {
  return request('GET', `/v1/platforms/${encodeURIComponent(id)}/validation`);
}

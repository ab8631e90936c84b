/** The console's only way to the server: the public REST API under /api/v1, with the user's token. */

export interface FieldError {
  path: string;
  message: string;
}

/** An RFC 9457 problem as the API sends it (status 0: the API could not be reached). */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  /** `retryAfterSeconds`: the answer's Retry-After (a 429 or 503 says when to ask again), when it gave one in seconds. */
  constructor(
    readonly problem: Problem,
    readonly retryAfterSeconds?: number,
  ) {
    super(problem.detail ?? problem.title);
  }
}

/** A Retry-After header in seconds (the API sends no dates), else undefined. */
function retryAfterOf(res: Response): number | undefined {
  const value = res.headers.get('retry-after');
  return value !== null && /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

export interface Page<T> {
  items: T[];
  totalRecords: number;
}

const TOKEN_KEY = 'porter.token';
const signOutListeners = new Set<() => void>();
let signOutReason: string | null = null;

/** The token lives in sessionStorage: it is gone when the tab closes, and never sent to other sites. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token.trim());
  },
  /** `reason`: why the user was signed out without asking (shown on the sign-in page). */
  signOut(reason: string | null = null): void {
    signOutReason = reason;
    sessionStorage.removeItem(TOKEN_KEY);
    signOutListeners.forEach((listener) => listener());
  },
  takeSignOutReason(): string | null {
    const reason = signOutReason;
    signOutReason = null;
    return reason;
  },
  onSignOut(listener: () => void): () => void {
    signOutListeners.add(listener);
    return () => signOutListeners.delete(listener);
  },
};

export interface Claims {
  sub?: string;
  tenant?: string;
  roles?: string[];
  scopes?: string[];
  exp?: number;
}

/** What the token says about its holder, for display and to offer admin actions (the API decides). */
export function claimsOf(token: string | null): Claims {
  try {
    const payload = token?.split('.')[1];
    if (!payload) return {};
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(decodeURIComponent(escape(json))) as Claims;
  } catch {
    return {};
  }
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body.title === 'string') return { ...body, status: body.status ?? res.status };
  } catch {
    // not JSON: described below
  }
  return { title: res.statusText || `HTTP ${res.status}`, status: res.status, detail: text.slice(0, 300) || undefined };
}

/**
 * The network failed (the browser's own words, "Failed to fetch" and the like, mean nothing to a
 * person): said plainly. `detail` may say more of what was interrupted.
 */
export const UNREACHABLE_TITLE = 'The Porter API could not be reached';
export const UNREACHABLE_DETAIL = 'Check your connection. The page tries again on its own; Refresh tries now.';
const unreachable = (detail: string = UNREACHABLE_DETAIL): ApiError => new ApiError({ title: UNREACHABLE_TITLE, status: 0, detail });

/** The API could not be reached (no answer at all), as opposed to an answer refusing the request. */
export const isUnreachable = (error: unknown): boolean => error instanceof ApiError && error.problem.status === 0;

/**
 * `candidate`: a token to send instead of the session's (sign-in checks it before keeping it): its
 * refusal is only this call's error, it ends no session.
 */
async function send(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}, signal?: AbortSignal, candidate?: string): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...extraHeaders };
  const token = candidate ?? session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path.startsWith('/api/') ? path : `/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    void error; // the browser's words ("Failed to fetch") say nothing a person can act on
    throw unreachable();
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && token && candidate === undefined) session.signOut(`The API refused the token: ${problem.detail ?? problem.title}. Sign in again.`);
    throw new ApiError(problem, retryAfterOf(res));
  }
  return res;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/**
 * Asks the API whether it accepts `token` (one job read), before the console keeps it: nothing is
 * stored, and a refusal throws without signing anyone out or showing any page's data.
 */
export async function checkToken(token: string): Promise<void> {
  await send('GET', '/jobs?limit=1', undefined, {}, undefined, token);
}

/**
 * Opens a long-lived GET (a server-sent event stream) with the user's token, which an
 * EventSource could not send; problems and a refused token are handled as for any call.
 */
export const openStream = (path: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> =>
  send('GET', path, undefined, headers, signal);

/** A query string from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') q.set(key, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
}

function fileNameOf(res: Response, fallback: string): string {
  const disposition = res.headers.get('content-disposition') ?? '';
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="([^"]+)"/i.exec(disposition);
  return plain ? plain[1] : fallback;
}

/** How far a download has come: bytes read, and of how many when the server said (Content-Length). */
export interface DownloadProgress {
  loaded: number;
  total: number | null;
}

/**
 * Downloads need the bearer token, so a plain link cannot do: the file is fetched, then saved
 * through an object URL with the server's file name. `onProgress` follows the bytes as they
 * arrive (at most every 100 ms, and at the end).
 */
export async function download(path: string, fallbackName = 'download', onProgress?: (progress: DownloadProgress) => void): Promise<string> {
  const res = await send('GET', path, undefined, { accept: '*/*' });
  const name = fileNameOf(res, fallbackName);
  saveAs(URL.createObjectURL(await bodyOf(res, onProgress)), name, true);
  return name;
}

/**
 * Saves `url` as a file named `name` through a link click: the browser's own download, which
 * streams to disk with its own progress. `revoke`: an object URL, let go once saved.
 */
export function saveAs(url: string, name: string, revoke = false): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  if (revoke) setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function bodyOf(res: Response, onProgress?: (progress: DownloadProgress) => void): Promise<Blob> {
  if (!onProgress || !res.body) return res.blob();
  const length = Number(res.headers.get('content-length'));
  // A body the browser decompresses arrives longer than its Content-Length: then the total is unknown.
  const total = (loaded: number) => (Number.isFinite(length) && length > 0 && loaded <= length ? length : null);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  let said = 0;
  onProgress({ loaded, total: total(0) });
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw unreachable('The download was interrupted. Check your connection and try again.');
    });
    if (done) break;
    parts.push(value);
    loaded += value.byteLength;
    if (Date.now() - said >= 100) {
      said = Date.now();
      onProgress({ loaded, total: total(loaded) });
    }
  }
  onProgress({ loaded, total: total(loaded) ?? loaded });
  return new Blob(parts as BlobPart[], { type: res.headers.get('content-type') ?? '' });
}

/** multipart upload through XHR: fetch has no upload progress events. */
export function upload<T>(path: string, file: File, onProgress: (sent: number, total: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    const token = session.token();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('accept', 'application/json, application/problem+json');
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(unreachable('The upload was interrupted. Check your connection and try again.'));
    xhr.onload = () => {
      let body: any = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as T);
      if (xhr.status === 401 && token) session.signOut('The API refused the token. Sign in again.');
      reject(new ApiError(body && typeof body.title === 'string' ? body : { title: xhr.statusText || `HTTP ${xhr.status}`, status: xhr.status, detail: xhr.responseText.slice(0, 300) }));
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

// The peer's API, as the dashboard uses it: same origin, so the session cookie goes along and the browser
// sends the page's Origin on requests that change state (the peer checks it).

export class APIError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (response.status === 401) {
    throw new APIError(401, "this browser's session has ended (or the peer restarted): run `cairn dashboard` for a new "
      + "login link");
  }
  if (!response.ok) {
    throw new APIError(response.status, (body && body.error) || `${response.status} ${response.statusText}`);
  }
  return body;
}

export async function get(path) {
  return answer(await fetch(path, { headers: { Accept: "application/json" } }));
}

export async function post(path) {
  return answer(await fetch(path, { method: "POST" }));
}

// A POST with a JSON body (the chain's forms).
export async function postJSON(path, value) {
  return answer(await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(value),
  }));
}

export async function del(path) {
  return answer(await fetch(path, { method: "DELETE" }));
}

// The path of a file or read capability in the API.
export const filePath = (ref) => `/api/v0/files/${encodeURIComponent(ref.trim())}`;

// Uploads `file` with XMLHttpRequest, whose upload events give the progress that fetch does not.
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/v0/files?name=${encodeURIComponent(file.name || "unnamed")}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      let body = null;
      try { body = JSON.parse(request.responseText); } catch { body = null; }
      if (request.status === 200) resolve(body);
      else reject(new APIError(request.status, (body && body.error) || `upload failed: ${request.status}`));
    };
    request.onerror = () => reject(new APIError(0, "the upload was cut off; is the peer running?"));
    request.send(file);
  });
}

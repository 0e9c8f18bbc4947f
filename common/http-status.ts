/**
 * HTTP status texts and Swift's error bodies (swob's status map), shared by every server so
 * clients see the same words whichever process answered.
 */

const STATUS: Record<number, [title: string, explanation: string]> = {
  400: [
    'Bad Request',
    'The server could not comply with the request since it is either malformed or otherwise incorrect.',
  ],
  401: [
    'Unauthorized',
    'This server could not verify that you are authorized to access the document you requested.',
  ],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'The method is not allowed for this resource.'],
  406: ['Not Acceptable', 'The resource is not available in a format acceptable to your browser.'],
  408: [
    'Request Timeout',
    'The server has waited too long for the request to be sent by the client.',
  ],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  411: ['Length Required', 'Length required.'],
  412: ['Precondition Failed', 'A precondition for this request was not met.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request URI Too Long', 'The request URI was too long for this server.'],
  416: ['Requested Range Not Satisfiable', 'The Range requested is not available.'],
  422: ['Unprocessable Entity', 'Unable to process the contained instructions'],
  429: ['Too Many Requests', 'The client has sent too many requests in a given amount of time.'],
  499: ['Client Disconnect', 'The client was disconnected during request.'],
  500: [
    'Internal Error',
    'The server has either erred or is incapable of performing the requested operation.',
  ],
  501: ['Not Implemented', 'The requested method is not implemented by this server.'],
  502: ['Bad Gateway', 'Bad gateway.'],
  503: [
    'Service Unavailable',
    'The server is currently unavailable. Please try again at a later time.',
  ],
  504: ['Gateway Timeout', 'A timeout has occurred speaking to a backend server.'],
  507: [
    'Insufficient Storage',
    'There was not enough space to save the resource. Drive: %(drive)s',
  ],
};

/** The reason phrase for a status (`Not Found`), or Node's own for statuses Swift has no text for. */
export function statusText(status: number): string {
  return STATUS[status]?.[0] ?? 'Unknown';
}

/** Swift's default error page: `<html><h1>Not Found</h1><p>The resource could not be found.</p></html>`. */
export function swiftErrorBody(status: number): string {
  const entry = STATUS[status];
  if (!entry) return '';
  return `<html><h1>${entry[0]}</h1><p>${entry[1]}</p></html>`;
}

/**
 * Statuses whose body is the specific reason (as Swift's `HTTPBadRequest(body=...)`), plain
 * text; every other error gets Swift's standard HTML page.
 */
const REASON_BODY_STATUSES = new Set([400, 409, 411, 412, 413, 416, 422, 507]);

export function errorBody(
  status: number,
  reason: string | undefined,
): { body: string; contentType: string } {
  if (reason && REASON_BODY_STATUSES.has(status))
    return { body: reason, contentType: 'text/plain; charset=utf-8' };
  return { body: swiftErrorBody(status), contentType: 'text/html; charset=UTF-8' };
}

/** The record every logging benchmark writes: 5 fields, and 3 request ids from the context. */
export const fields = {
  method: 'GET',
  route: '/api/v1/workspaces/:id',
  status: 200,
  duration_ms: 12.5,
  bytes: 512,
};
export const ids = { request_id: 'req-0af7651916cd', user_id: 'u_42', workspace_id: 'w_7' };
export const context = {
  requestId: ids.request_id,
  userId: ids.user_id,
  workspaceId: ids.workspace_id,
};

export { createApi, type ApiOptions } from './app.js';
export { serveApi, type ServedApi } from './serve.js';

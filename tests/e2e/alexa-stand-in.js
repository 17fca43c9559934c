// A stand-in for the Alexa APIs the skill calls: the device's time zone, and reminders. Used by
// the end-to-end tests, and by hand with `feel-again say --api-endpoint`:
//   node tests/e2e/alexa-stand-in.js 9000 America/Chicago
//   build/skill/feel-again say --api-endpoint http://127.0.0.1:9000

'use strict';

const http = require('node:http');

// Answers GET .../settings/System.timeZone with timeZone, creates reminders (201, a token) and
// deletes them; records what it was asked in `calls`.
function createStandIn(timeZone) {
  const calls = { created: [], deleted: [] };
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      if (request.method === 'GET' && request.url.endsWith('/settings/System.timeZone')) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(timeZone));
      } else if (request.method === 'POST' && request.url === '/v1/alerts/reminders') {
        calls.created.push(JSON.parse(body));
        response.writeHead(201, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ alertToken: `token-${calls.created.length}` }));
      } else if (request.method === 'DELETE' && request.url.startsWith('/v1/alerts/reminders/')) {
        calls.deleted.push(request.url.split('/').pop());
        response.writeHead(200);
        response.end();
      } else {
        response.writeHead(404);
        response.end();
      }
    });
  });
  return { server, calls };
}

module.exports = { createStandIn };

if (require.main === module) {
  const port = Number(process.argv[2] || 9000);
  const zone = process.argv[3] || 'America/Chicago';
  createStandIn(zone).server.listen(port, '127.0.0.1', () => {
    console.log(`Alexa API stand-in on http://127.0.0.1:${port} (time zone ${zone})`);
  });
}

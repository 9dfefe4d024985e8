// Starts the telegram-test-api Bot API emulator on 127.0.0.1:<port> (test infrastructure only).
// One runs per pytest worker (tests/conftest.py); a line "reset" on stdin empties it between tests and
// numbers updates and messages from 1 again, as a freshly started emulator would ("reset" is answered).
const readline = require('readline');
const TelegramServer = require('telegram-test-api');
const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
server.start().then(() => { console.log('ready'); });
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'reset') {
    server.storage = { userMessages: [], botMessages: [] };
    server.updateId = 1;
    server.messageId = 1;
    server.callbackId = 1;
    server.webhooks = {};
    console.log('reset');
  }
});
process.stdin.on('end', () => server.stop().then(() => process.exit(0)));
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));

// Starts the telegram-test-api Bot API emulator on 127.0.0.1:<port> (test infrastructure only).
const TelegramServer = require('telegram-test-api');
const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
server.start().then(() => { console.log('ready'); });
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));

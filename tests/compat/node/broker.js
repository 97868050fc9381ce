'use strict'
// The real chronik binary on a free loopback port with a temporary data dir.
// The binary comes from $CHRONIK_BINARY (ctest sets it), else the newest
// build*/broker/chronik of the source tree.
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

function chronikBinary() {
  if (process.env.CHRONIK_BINARY) return path.resolve(process.env.CHRONIK_BINARY)
  const root = path.resolve(__dirname, '..', '..', '..')
  const found = fs
    .readdirSync(root)
    .filter(d => d.startsWith('build'))
    .map(d => path.join(root, d, 'broker', 'chronik'))
    .filter(f => fs.existsSync(f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)
  if (!found.length) throw new Error('no chronik binary: set CHRONIK_BINARY')
  return found[0]
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function canConnect(port) {
  return new Promise(resolve => {
    const c = net.connect({ host: '127.0.0.1', port }, () => {
      c.destroy()
      resolve(true)
    })
    c.on('error', () => resolve(false))
  })
}

async function startBroker() {
  // tests/compat/run starts the broker itself (or points at another one).
  if (process.env.CHRONIK_BOOTSTRAP) return { bootstrap: process.env.CHRONIK_BOOTSTRAP, logTail: () => '', stop: async () => 0 }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chronik-node-'))
  const port = await freePort()
  const bootstrap = `127.0.0.1:${port}`
  const logFile = path.join(dir, 'chronik.log')
  const log = fs.openSync(logFile, 'w')
  const proc = spawn(
    chronikBinary(),
    ['--override', `listeners=PLAINTEXT://${bootstrap}`, '--override', `log.dirs=${path.join(dir, 'data')}`,
      '--override', 'admin.listeners=http://127.0.0.1:0'],
    { stdio: ['ignore', log, log] }
  )
  let exited = null
  const exit = new Promise(resolve => proc.on('exit', (code, signal) => resolve((exited = { code, signal }))))
  const logTail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n')
  const deadline = Date.now() + 20000
  while (!(await canConnect(port))) {
    if (exited) throw new Error(`chronik exited at start-up (${JSON.stringify(exited)}):\n${logTail()}`)
    if (Date.now() > deadline) throw new Error(`chronik did not listen within 20 s:\n${logTail()}`)
    await new Promise(r => setTimeout(r, 50))
  }
  return {
    bootstrap,
    logTail,
    // SIGTERM; resolves to the exit code (the broker must exit 0).
    async stop() {
      if (!exited) proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30000)
      const { code } = await exit
      clearTimeout(timer)
      fs.closeSync(log)
      fs.rmSync(dir, { recursive: true, force: true })
      return code
    },
  }
}

module.exports = { startBroker }

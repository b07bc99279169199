// Serves dynalite on HOST:PORT with its LevelDB data in DATA_DIR, for the local stack.
// Usage: node serve-dynalite.js NODE_MODULES HOST PORT DATA_DIR PARENT_PID
'use strict'
const path = require('path')

const [modules, host, port, dataDir, parentPid] = process.argv.slice(2)
const dynalite = require(path.join(modules, 'dynalite'))
const { Level } = require(path.join(modules, 'level'))

async function main () {
  // dynalite opens LevelDB only after it listens; open it first, so that a directory another stack holds
  // is refused before this one answers, with LevelDB's own reason.
  const probe = new Level(dataDir)
  try {
    await probe.open()
  } catch (error) {
    console.error(`cannot open ${dataDir}: ${error.cause ? error.cause.message : error.message}`)
    process.exit(1)
  }
  await probe.close()

  // Tables become ACTIVE at once, as in moto, so the stack starts without waiting.
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  server.listen(Number(port), host, () => {
    console.log(`dynalite listening on http://${host}:${port} with its data in ${dataDir}`)
  })

  function stop () {
    // Closing the server closes LevelDB cleanly; a stuck client must not keep the data directory locked.
    setTimeout(() => process.exit(0), 3000).unref()
    server.close(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
main()

// When the stack is killed outright (SIGKILL) this process is handed to another parent: it stops too,
// so that the data directory is free for the next start. What it acknowledged is already on disk.
setInterval(() => {
  if (process.ppid !== Number(parentPid)) process.exit(0)
}, 200)

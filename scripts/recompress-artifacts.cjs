/**
 * A serverless plugin (listed after serverless-esbuild in serverless.yml) that rewrites each function's
 * archive at deflate level 9: same entries, names, modes and times, smaller file.
 *
 * serverless-esbuild zips with archiver's default, deflate level 1, which leaves our bundles ~11 %
 * bigger than level 9, and its only setting, `nativeZip`, shells out to a `zip` executable where one
 * is installed and writes a different archive on every run (so every deploy updates every function).
 * This keeps the archives deterministic, on any machine. The zip libraries are osls's own, taken
 * from it the way scripts/deployed-bundles.ts takes its YAML parser.
 */
'use strict';
const { createRequire } = require('node:module');
const { createWriteStream, renameSync } = require('node:fs');

const fromOsls = createRequire(require.resolve('osls/package.json'));
const yauzl = fromOsls('yauzl');
const yazl = fromOsls('yazl');

/** Every entry of a zip file, with its data, mode and time. */
const readEntries = (file) =>
  new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const entries = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(entries));
      zip.on('entry', (entry) => {
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ name: entry.fileName, data: Buffer.concat(chunks), mode: entry.externalFileAttributes >>> 16, mtime: entry.getLastModDate() });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });

/** Writes entries (name, data, mode, mtime) to a zip file at deflate level 9. */
const writeZip = (entries, file) =>
  new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const e of entries) zip.addBuffer(e.data, e.name, { mtime: e.mtime, ...(e.mode ? { mode: e.mode } : {}), compressionLevel: 9, forceDosTimestamp: true });
    zip.end();
    const out = createWriteStream(file);
    out.on('close', resolve);
    out.on('error', reject);
    zip.outputStream.on('error', reject).pipe(out);
  });

/** Rewrites `file` with the same entries at deflate level 9. */
const recompress = async (file) => {
  const tmp = `${file}.level9`;
  await writeZip(await readEntries(file), tmp);
  renameSync(tmp, file);
};

class RecompressArtifacts {
  constructor(serverless) {
    this.serverless = serverless;
    const run = () => this.run();
    this.hooks = { 'after:package:createDeploymentArtifacts': run, 'after:deploy:function:packageFunction': run };
  }

  async run() {
    const { service } = this.serverless;
    const artifacts = new Set(
      service
        .getAllFunctions()
        .map((name) => service.getFunction(name).package?.artifact)
        .filter(Boolean),
    );
    if (service.package?.artifact) artifacts.add(service.package.artifact);
    await Promise.all([...artifacts].map(recompress));
  }
}

module.exports = RecompressArtifacts;
/** The archive format of the deployment, for the bench's clients-only baselines. */
module.exports.writeZip = writeZip;

// Loaded into jsii's kernel (`node --require`) by exosphere_cdk/kernel.py: the kernel's
// modules folder at the same path every run, and Node's compile cache on for what it loads.
//
// jsii's kernel links the libraries it loads (aws-cdk-lib, cdk-nag, constructs) into a
// folder it makes with fs.mkdtempSync(TMPDIR/jsii-kernel-), a new path every run, and
// removes it at exit. Node's compile cache keys a module by its path, so it could never
// hit there. This makes that one folder EXO_CDK_KERNEL_FOLDER (a slot kernel.py has locked
// for this process: no other kernel uses it meanwhile), emptied first in case a kernel
// that was killed left it, and turns Node's compile cache on in EXO_CDK_COMPILE_CACHE from
// then on: the kernel's own script (a new path every run) is compiled before, so it is
// never written to the cache. Anything unexpected leaves the kernel as jsii made it.
'use strict';
const fs = require('fs');
const path = require('path');

const folder = process.env.EXO_CDK_KERNEL_FOLDER;
const cache = process.env.EXO_CDK_COMPILE_CACHE;
delete process.env.EXO_CDK_KERNEL_FOLDER;
delete process.env.EXO_CDK_COMPILE_CACHE;

if (folder && cache) {
  const mkdtempSync = fs.mkdtempSync;
  let claimed = false;
  fs.mkdtempSync = function exoCdkMkdtempSync(prefix, ...rest) {
    if (claimed || typeof prefix !== 'string' || path.basename(prefix) !== 'jsii-kernel-') {
      return mkdtempSync.call(this, prefix, ...rest);
    }
    claimed = true;
    try {
      fs.rmSync(folder, { recursive: true, force: true }); // symbolic links are not followed
      fs.mkdirSync(folder, { mode: 0o700 });
    } catch {
      return mkdtempSync.call(this, prefix, ...rest);
    }
    const { enableCompileCache } = require('module');
    if (typeof enableCompileCache === 'function') {
      enableCompileCache(cache);
    }
    return folder;
  };
}

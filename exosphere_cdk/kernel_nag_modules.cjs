// Loaded into jsii's kernel (`node --require`) by exosphere_cdk/kernel.py: cdk-nag's rules
// get the CDK module whose L1 class they test for only once a resource of that module exists.
//
// Each of cdk-nag's rules requires the aws-cdk-lib module of the resources it checks
// (`require("aws-cdk-lib/aws-quicksight")`) and tests every resource against one of its L1
// classes (`node instanceof CfnDataSource`). The first test of each rule loads that
// module's JavaScript: about 95 modules, 14 MB of source and 25 MB of the kernel's heap,
// for every app, though an app of ours makes resources of a dozen of them. A resource can
// only be an instance of a class that has been defined, so here cdk-nag's modules get, for
// such a module, a stand-in: its `Cfn...` classes answer `instanceof` with false unless
// the resource's class (or one it extends) carries that class's jsii name, and only then
// is the module loaded and the real test made. Anything else asked of the stand-in or of
// its classes (another name of the module, a static, a call) loads the module and is
// answered by it, so cdk-nag sees what it would have seen: the same findings, the same
// templates (tests/test_kernel_nag_modules.py checks both against a kernel without this file).
'use strict';
const Module = require('module');
const path = require('path');

const RTTI = Symbol.for('jsii.rtti'); // jsii's static name of a class: { fqn, version }
const CDK_MODULE = /^aws-cdk-lib\/(aws-[a-z0-9-]+)$/;
const NAG = `${path.sep}node_modules${path.sep}cdk-nag${path.sep}lib${path.sep}`;

const load = Module._load;
const loaded = new Map(); // what cdk-nag's files were given, by copy of cdk-nag and request
Module._load = function exoCdkLoad(request, parent, isMain) {
  const at = typeof request === 'string' && request.startsWith('aws-cdk-lib') && parent
    && typeof parent.filename === 'string' ? parent.filename.indexOf(NAG) : -1;
  if (at === -1) {
    return load.apply(this, arguments);
  }
  // Every file of one copy of cdk-nag finds the same aws-cdk-lib: resolved once, not per file.
  const key = `${parent.filename.slice(0, at + NAG.length)}\0${request}`;
  if (!loaded.has(key)) {
    const match = CDK_MODULE.exec(request);
    const loadModule = () => load.call(this, request, parent, isMain);
    // The module's jsii name, as in its classes' fqn: aws-cdk-lib.aws_quicksight.CfnDataSource
    loaded.set(key, match ? standIn(loadModule, match[1].replace(/-/g, '_')) : loadModule());
  }
  return loaded.get(key);
};

function standIn(loadModule, submodule) {
  let real;
  const module = () => (real ??= loadModule());
  const classes = new Map();
  return new Proxy({}, {
    has: (_, key) => key in module(),
    ownKeys: () => Reflect.ownKeys(module()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(module(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
    get(_, key) {
      if (real !== undefined || typeof key !== 'string' || !key.startsWith('Cfn')) {
        return module()[key];
      }
      if (!classes.has(key)) {
        classes.set(key, lazyClass(() => module()[key], `aws-cdk-lib.${submodule}.${key}`));
      }
      return classes.get(key);
    },
  });
}

// The jsii names of the classes on a prototype's chain, by prototype (a chain is fixed once
// its classes are defined): every rule tests every resource, of a few dozen classes.
const namesOnChain = new WeakMap();
function jsiiNames(proto) {
  let names = namesOnChain.get(proto);
  if (names === undefined) {
    names = new Set();
    for (let p = proto; p; p = Object.getPrototypeOf(p)) {
      const ctor = Object.prototype.hasOwnProperty.call(p, 'constructor')
        ? p.constructor : undefined;
      if (typeof ctor === 'function' && ctor[RTTI] && typeof ctor[RTTI].fqn === 'string') {
        names.add(ctor[RTTI].fqn);
      }
    }
    namesOnChain.set(proto, names);
  }
  return names;
}

function lazyClass(realClass, fqn) {
  function hasInstance(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
      return false;
    }
    const proto = Object.getPrototypeOf(value);
    return proto !== null && jsiiNames(proto).has(fqn) && value instanceof realClass();
  }
  return new Proxy(function standInClass() {}, {
    get: (_, key) => (key === Symbol.hasInstance ? hasInstance : realClass()[key]),
    has: (_, key) => key in realClass(),
    apply: (_, self, args) => Reflect.apply(realClass(), self, args),
    construct: (_, args) => Reflect.construct(realClass(), args),
  });
}

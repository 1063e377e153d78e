// Emscripten --pre-js for the threaded page module (camlens.mjs): how many Web Workers to prespawn
// for the engine's threads, and a wait for them before the module's promise resolves.
//
// A browser starts a new Worker only once its creator returns to the event loop, and the engine
// blocks while its threads work: so the workers are created when the module loads, and the module
// resolves once every one of them has loaded the engine. Workers need a cross-origin isolated page
// (SharedArrayBuffer); elsewhere (Node, no Worker) there are none and the engine runs on one thread.
// Up to 4 threads in all, the caller included: the emotion model's layers split no further usefully.

// Named in -sPTHREAD_POOL_SIZE (CMakeLists.txt).
// Module.maxThreads: the most threads the engine can then run (workers + the caller).
function camlensThreadPoolSize() {
  var isolated = typeof Worker == 'function' && typeof navigator == 'object' && self.crossOriginIsolated === true;
  var size = isolated ? Math.max(0, Math.min(4, navigator.hardwareConcurrency || 1) - 1) : 0;
  Module['maxThreads'] = size + 1;
  return size;
}

// Emscripten's own wait for the prespawned workers (without PTHREAD_POOL_DELAY_LOAD) never ends
// when the pool size comes out 0; this one waits only for workers that exist.
Module['preRun'] = [].concat(Module['preRun'] || [], function waitForThreadPool() {
  var loading = PThread.unusedWorkers.filter(function (worker) { return !worker.loaded; });
  if (loading.length == 0) return;
  addRunDependency('camlens-thread-pool');
  loading.forEach(function (worker) {
    worker.addEventListener('message', function onLoaded(event) {
      if (event.data.cmd != 'loaded') return;
      worker.removeEventListener('message', onLoaded);
      loading.pop();
      if (loading.length == 0) removeRunDependency('camlens-thread-pool');
    });
    // A worker that cannot load would leave the module waiting forever: fail it instead.
    worker.addEventListener('error', function (event) {
      abort('a thread worker could not load the engine: ' + (event.message || 'no message'));
    });
  });
});

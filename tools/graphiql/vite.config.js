// Vite build of the self-contained GraphiQL page (see build.sh).
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const wsStub = fileURLToPath(new URL('./src/graphql-ws-stub.js', import.meta.url));
const styleSingleton = fileURLToPath(new URL('./src/style-singleton.js', import.meta.url));

// Every module id that ends up in an output chunk (JS and the CSS it
// imports); scripts/postbuild.mjs turns the list into THIRD_PARTY_LICENSES.txt.
const bundledModules = new Set();

function collectModules() {
  return {
    name: 'cms-collect-bundled-modules',
    generateBundle(_options, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type === 'chunk') {
          for (const id of Object.keys(output.modules)) bundledModules.add(id);
        }
      }
    },
  };
}

function writeModuleList() {
  return {
    name: 'cms-write-module-list',
    apply: 'build',
    closeBundle() {
      mkdirSync(`${here}.build`, { recursive: true });
      writeFileSync(`${here}.build/modules.json`, JSON.stringify([...bundledModules].sort(), null, 1) + '\n');
    },
  };
}

export default defineConfig({
  root: here,
  base: '/graphiql/',
  logLevel: 'warn',
  clearScreen: false,
  publicDir: false,
  resolve: {
    alias: [
      // Never bundled: only needed for websocket subscriptions.
      { find: /^graphql-ws$/, replacement: wsStub },
      // CSP-safe (no <style> element) version of the same API.
      { find: /^react-style-singleton$/, replacement: styleSingleton },
    ],
  },
  plugins: [collectModules(), writeModuleList()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 8000,
    rollupOptions: {
      onwarn(warning, warn) {
        // Bundled React libraries start with "use client"; harmless here.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        // One page script instead of a few lazily loaded chunks: fewer files
        // to embed and serve.
        inlineDynamicImports: true,
        entryFileNames: 'assets/[name]-[hash].js',
        chunkFileNames: 'assets/[name]-[hash].js',
        assetFileNames: 'assets/[name]-[hash][extname]',
      },
    },
  },
});

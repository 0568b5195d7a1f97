import 'reflect-metadata';

export * from './contract/index.js';
export * from './heap/index.js';

// Its ESM entry re-exports the CommonJS files, so the scalar shares Mercurius' `graphql`.
export { GraphQLUpload } from 'graphql-upload-minimal';
export type { FileUpload } from 'graphql-upload-minimal';

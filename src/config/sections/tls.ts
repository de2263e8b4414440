/** `tls`: HTTPS for the HTTP listener, with optional client certificates (mTLS). */
export const tls = {
  type: 'object',
  description: 'HTTPS: on when certFile is set. The files are read again when they change on disk, without a restart.',
  additionalProperties: false,
  default: {},
  properties: {
    certFile: { type: 'string', minLength: 1, description: 'PEM certificate chain (the server certificate first).' },
    keyFile: { type: 'string', minLength: 1, description: 'PEM private key of the certificate.' },
    passphrase: { type: 'string', writeOnly: true, description: 'Passphrase of an encrypted key.' },
    caFile: { type: 'string', minLength: 1, description: 'PEM certificates of the authorities that sign client certificates.' },
    clientCertificates: {
      enum: ['none', 'optional', 'required'],
      default: 'none',
      description:
        'required: a connection without a client certificate signed by caFile is refused (mTLS). optional: one is asked for, and a connection without a valid one is still served. none: none is asked for.',
    },
    reloadCheckMs: {
      type: 'integer',
      minimum: 10,
      default: 5000,
      description: 'How often the files are checked for changes (a renewed certificate is served from the next check on).',
    },
  },
  dependentRequired: { certFile: ['keyFile'], keyFile: ['certFile'], caFile: ['certFile'], passphrase: ['keyFile'] },
  if: { properties: { clientCertificates: { enum: ['optional', 'required'] } }, required: ['clientCertificates'] },
  then: { required: ['certFile', 'caFile'] },
} as const;

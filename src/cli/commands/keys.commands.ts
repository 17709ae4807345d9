import { generateJwtKeyLines } from '../../config/jwt-keys.js';
import { generateSecret } from '../../config/secrets.js';
import { type CliCommand, print, UsageError } from '../cli-command.js';

export const keyCommands: CliCommand[] = [
  {
    name: 'secrets',
    args: '',
    summary: 'print fresh strong values for JWT_SECRET and SIGNING_SECRET',
    needsConfig: false,
    run: async () => {
      print(`JWT_SECRET=${generateSecret()}`);
      print(`SIGNING_SECRET=${generateSecret()}`);
    },
  },
  {
    name: 'keys',
    args: '[ed25519|rsa|hs256]',
    summary: 'print a fresh JWT signing key (pair) as env lines',
    details: [
      'ed25519 (default): JWT_ALGORITHM=EdDSA, JWT_KEY_ID, JWT_PRIVATE_KEY (PKCS#8 PEM, \\n-escaped)',
      'rsa: the same for RS256 (3072 bits); both print the public key for JWT_PUBLIC_KEYS',
      'hs256: JWT_ALGORITHM=HS256 and a JWT_SECRET',
    ],
    positionals: [0, 1],
    needsConfig: false,
    run: async ({ positionals }) => {
      const kind = positionals[0] ?? 'ed25519';
      if (kind === 'hs256') {
        print('JWT_ALGORITHM=HS256');
        print(`JWT_SECRET=${generateSecret()}`);
        return;
      }
      if (kind !== 'ed25519' && kind !== 'rsa') {
        throw new UsageError(`unknown key kind '${kind}'`, 'keys [ed25519|rsa|hs256]');
      }
      for (const line of generateJwtKeyLines(kind)) print(line);
    },
  },
];

import { describe, expect, it } from 'vitest';
import { placeholderReason } from '../../src/scan/placeholders.js';

// Why a value is dropped as a stand-in (`credctl scan --explain` prints it). Each kind of stand-in
// is named for what it is, and each has near misses that must stay findings: a value wrongly
// dropped here is a leak the scan does not report.

const reasons: [string, string[]][] = [
  ['empty', ['', '  ', '""', "''"]],
  [
    'documented example',
    [
      'AKIAIOSFODNN7EXAMPLE',
      'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
      'pk_test_TYooMQauvdEDq54NiTphI7jx',
      'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
      'sk_test_26PHem9AhJZvU623DfE1x4sd',
      'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
      'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
      'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
      'dpf43f3p2l4k3l03',
      'kd94hf93k423kf44',
      'nnch734d00sl2jdk',
      'pfkkdhi9sl3r4s00',
      'hh5s93j4hdidpola',
      '0685bd9184jfhq22',
      'ad180jjd733klru7',
      '2YotnFZFEjr1zCsicMWpAA',
      'tGzv3JOkF0XG5Qx2TlKWIA',
      'SplxlOBeZQQYbYS6WxSbIA',
      '45ghiukldjahdnhzdauz',
      'kjfch2345sdf',
      'h480djs93hd8',
      'mF_9.B5f-4.1JqM',
      'czZCaGRSa3F0MzpnWDFmQmF0M2JW',
      '$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9.4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg',
      '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11',
      'Q2x9EXAMPLEz8Lm4', // the AWS convention, anywhere in a value
      '"AKIAIOSFODNN7EXAMPLE"', // quoted
    ],
  ],
  [
    'template',
    [
      'xxx',
      '***',
      '...',
      '###',
      '___',
      '•••',
      '---',
      '<your-key>',
      '<>',
      '{password}',
      '[API_KEY]',
      '[api key]',
      '$VAR',
      '$_x1',
      '%VAR%',
      '__API_KEY__',
      '@API_KEY@',
      '@DB_PASSWORD',
      '@@password',
      '@password',
      ':password',
      ':_p',
      'a${b}c',
      'x$(cat f)',
      'pre{{ x',
      'x }}post',
      'q#{secret}',
      '<%= ENV["K"] %>',
      '{% if k %}',
      'pw-%(name)s',
      'pw-%(n)d',
      'pw-%{hiera_key}',
      'https://<token>@example.test',
      'a<my key>b',
      '`$TOKEN`',
    ],
  ],
  [
    'version',
    [
      '^7.0.4',
      '~1.2',
      'v1.2.3',
      '>=1.2.3 <2.0.0',
      '1.2.3 || 2.0.0',
      '1.2.3-beta.1',
      '1.2.3+build.5',
      'npm:^3.0.0',
      'workspace:*',
      'patch:x@1',
      'catalog:',
      'file:../x',
    ],
  ],
  ['prose', ['Step two of the token flow', 'see the docs, then retry', 'Ab cd']],
  ['regex', ['[a-z0-9]{32}', 'sk_[A-Z]+', '[^a-f]', '\\d+', '\\bkey', 'a{3,}', 'k{2,5}z', '(?:ab)', '(?=x)', '(?!x)', '(?<n>x)']],
  [
    'code reference',
    [
      'process.env.API_KEY',
      'import.meta.env.VITE_KEY',
      'os.environ["K"]',
      'os.getenv("K")',
      'System.getenv("K")',
      'Environment.GetEnvironmentVariable("K")',
      'ENV["K"]',
      'env("K")',
      'getenv("K")',
      'secrets.NPM_TOKEN',
      'vars.TOKEN',
      '$env:TOKEN',
      'PROCESS.ENV.K',
    ],
  ],
  [
    'hash or digest',
    [
      '$2b$10$abcdefghijklmnopqrstuv',
      '$2y$10$abc',
      '$2$10$abc',
      '$1$salt$hash',
      '$5$salt$hash',
      '$6$salt$hash',
      '$y$j9T$salt$hash',
      '$argon2id$v=19$m=65536$x',
      '$argon2i$v=19$x',
      '$argon2d$v=19$x',
      '$scrypt$ln=16$x',
      '$pbkdf2-sha256$29000$x',
      'sha1-abc',
      'sha224:abc',
      'sha256-abc',
      'sha384-abc',
      'sha512-abc',
      'md5:abc',
      'SHA256:abc',
    ],
  ],
  [
    'file path',
    [
      './key.pem',
      '../x/y',
      '~/x',
      '/run/secrets/db',
      '/etc/ssl/private/k',
      '/var/x',
      '/tmp/x',
      '/home/u/x',
      '/Users/u/x',
      '/opt/x',
      '/secrets/x',
      '/mnt/x',
      '/srv/x',
      '/usr/x',
      'certs/server.key',
      'a/b.pem',
      'a/b.crt',
      'a/b.cer',
      'a/b.der',
      'a/b.p12',
      'a/b.pfx',
      'a/b.jks',
      'config/creds.json',
      'a/b.txt',
      'a/b.env',
      'a/b.yml',
      'a/b.yaml',
      'a/b.ppk',
      'a/b.pub',
      'a/b.gpg',
      'a/b.asc',
    ],
  ],
  [
    'placeholder word',
    [
      'none',
      'NULL',
      'nil',
      'undefined',
      'true',
      'False',
      'todo',
      'tbd',
      'fixme',
      'n/a',
      'na',
      'empty',
      'unset',
      'value',
      'string',
      'test',
      'testing',
      'secret',
      'secrets',
      'password',
      'passwd',
      'pass',
      'pwd',
      'token',
      'apikey',
      'api-key',
      'api_key',
      'key',
      'auth',
      'dummy',
      'placeholder',
      'sample',
      'example',
      'redacted',
      'removed',
      'hidden',
      'masked',
      'default',
      'changeit',
      'admin',
      'root',
      'guest',
      'user',
      'username',
      'demo',
      'dev',
      'local',
      'foo',
      'bar',
      'baz',
      'foobar',
      'qwerty',
      'letmein',
      'hunter2',
      'abc',
      'abcdef',
      'welcome',
      'postgres',
      'mysql',
      'redis',
      'rabbitmq',
      'mongo',
      'sa',
      'p@ssw0rd',
      'passw0rd',
      's3cr3t',
      'supersecret',
      'super-secret',
      'top_secret',
      'mysecret',
      'notsecret',
      'password-1',
      'password_123',
      'Admin1',
      // Spelled out (letters only once squashed)
      'YourGithubToken',
      'my_api_key',
      'the-secret',
      'InsertPasswordHere',
      'enter_your_credentials',
      'put-token-here',
      'add_pat',
      'pastekeygoeshere',
      'somepassword',
      'realcredential',
      'actualpass',
      'validpasswd',
    ],
  ],
  ['repeated pattern', ['aaaaa', 'zzzzzzzzzzzz', 'abababababab', 'abcdabcdabcdabcdabcd', '12121212121212']],
  ['masked', ['sk_live_****abcd', 'ab•••cd', 'ab...cd', 'ab…cd', 'abXXXXXcd', 'abxxxxxcd']],
];

describe('each kind of stand-in is named', () => {
  for (const [reason, values] of reasons) {
    it.each(values)(`%j: ${reason}`, (value) => {
      expect(placeholderReason(value)).toBe(reason);
    });
  }
});

describe('stand-in words inside a value', () => {
  const parts = [
    'yourapikey',
    'yourkey',
    'yoursecret',
    'yourtoken',
    'yourpassword',
    'yourauth',
    'youraccess',
    'yourown',
    'yourclient',
    'yourbot',
    'yourapp',
    'yourproject',
    'yourorg',
    'yourdb',
    'yourpersonal',
    'yourservice',
    'yourwebhook',
    'replaceme',
    'replacewith',
    'replacethis',
    'changeme',
    'changethis',
    'placeholder',
    'insertyour',
    'enteryour',
    'putyour',
    'addyour',
    'pasteyour',
    'redacted',
    'notarealkey',
    'notreal',
    'dummy',
    'example',
    'sample',
    'insecure',
    'supersecret',
    'mysecret',
    'secretkeyhere',
    'keyhere',
    'tokenhere',
    'passwordhere',
    'goeshere',
    'abcdefgh',
    '123456789',
    '0000000',
    'qwertyuiop',
    'lorem',
  ];
  it.each(parts)('%s, in any case and with separators, makes a value a stand-in', (part) => {
    const spaced = part.replace(/(.)(?=.)/g, (c, _x, i: number) => (i % 3 === 2 ? `${c}_` : c));
    expect(placeholderReason(`Zq9-${part}-Lm4`)).toBe('placeholder word');
    expect(placeholderReason(`Zq9${spaced.toUpperCase()}Lm4`)).toBe('placeholder word');
  });
});

describe('near misses stay findings', () => {
  it.each([
    '12345678', // digits only are no placeholder word
    '1234567',
    'k9<ab>Q2', // a short <..> inside a value is not a template slot
    'Zq@Mixed', // an @ parameter is one case only
    '@MixedCase',
    'abababab', // a pattern repeated only four times
    'Kq9 z#2 Lm', // spaces but no words
    '1.2.3.4.5', // not a version
    'ghp_Zq8Lm4Vx7Tn1Wp9Ks3Hd6JaB2cD4eF5gH6i',
    'xyzpasswordxyz7Q', // "password" inside a value is not the whole word
    'passwordQ9z7Lm4',
    'tokenizer9Q2',
    'mykey9Q2z', // spelled-out needs letters only
    'yourZq9Lm4V', // starts with "your" but spells nothing
    'abxxxxcd', // four x are not a mask
    'sk_live_***abcd', // three stars are not a mask
    'a..b', // two dots are not an ellipsis
  ])('%j is not a placeholder', (value) => {
    expect(placeholderReason(value)).toBeNull();
  });

  it('the AWS marker is EXAMPLE in capitals; another case is the stand-in word, found later', () => {
    expect(placeholderReason('Zq9ExAmPlE9Q')).toBe('placeholder word');
    expect(placeholderReason('Zq9EXAMPLE9Q')).toBe('documented example');
  });

  it('a value is judged whole: a template word inside a longer key does not drop it', () => {
    for (const value of ['Zq9$VARLm4', 'x%VAR%y', 'a__KEY__b', 'ab@KEY@cd', 'x:password', 'Zq9[API]Lm4', 'Zq9{pw}Lm4', 'none9Q', 'xnull']) {
      expect([value, placeholderReason(value)]).toEqual([value, null]);
    }
  });
});

describe('private-key blocks are judged by their body only', () => {
  const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7Zq9Lm4Vx7Tn1Wp9Ks3Hd6J';
  const block = (inner: string, headers = '') => `-----BEGIN PRIVATE KEY-----\n${headers}${inner}\n-----END PRIVATE KEY-----`;

  it('a real-looking body is a finding, whatever its comment says', () => {
    expect(placeholderReason(block(body))).toBeNull();
    expect(placeholderReason(block(body, 'Comment: dummy example key\nProc-Type: 4,ENCRYPTED\n'))).toBeNull();
    expect(placeholderReason(block(body).replace(/\n/g, '\\n'))).toBeNull(); // escaped newlines, as in JSON
    expect(placeholderReason(block(body).replace(/\n/g, '\r\n'))).toBeNull();
    const ppk = `PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: example dummy\nPublic-Lines: 1\n${body}\nPrivate-Lines: 1\n${body}`;
    expect(placeholderReason(ppk)).toBeNull();
  });

  it('an elided, masked or templated body, or none, is a stand-in', () => {
    expect(placeholderReason(block('MIIE...'))).toBe('masked');
    expect(placeholderReason(block('MIIE…abc'))).toBe('masked');
    expect(placeholderReason(block('MIIE****abc'))).toBe('masked');
    expect(placeholderReason(block('xxxxxxxxxxxx'))).toBe('masked');
    expect(placeholderReason(block('${PRIVATE_KEY}'))).toBe('template');
    expect(placeholderReason(block('{{ key }}'))).toBe('template');
    expect(placeholderReason(block('<your private key>'))).toBe('template');
    expect(placeholderReason(block(''))).toBe('empty');
    expect(placeholderReason(block('   ', 'Comment: x\n'))).toBe('empty');
  });

  it('a body with a few x or dots is not masked', () => {
    expect(placeholderReason(block(`${body}xxxxxxx`))).toBeNull();
    expect(placeholderReason(block(`${body}..`))).toBeNull();
    expect(placeholderReason(block(`${body}***`))).toBeNull();
  });
});

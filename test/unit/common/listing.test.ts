import { describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import {
  accountListing,
  containerListing,
  listingMediaType,
  parseListingParams,
  pyString,
  type ListingMediaType,
} from '../../../common/listing.js';

const json: ListingMediaType = { format: 'json', contentType: 'application/json; charset=utf-8' };
const xml: ListingMediaType = { format: 'xml', contentType: 'application/xml; charset=utf-8' };
const plain: ListingMediaType = { format: 'plain', contentType: 'text/plain; charset=utf-8' };

// The two objects of Swift's api-ref samples (objects-list-response.json/.xml).
const goodbye = {
  hash: '451e372e48e0f6b1114fa0724aa79fa1',
  last_modified: '2014-01-15T16:41:49.390270',
  bytes: 14,
  name: 'goodbye',
  content_type: 'application/octet-stream',
};
const helloworld = {
  hash: 'ed076287532e86365e841e92bfc50d8c',
  last_modified: '2014-01-15T16:37:43.427570',
  bytes: 12,
  name: 'helloworld',
  content_type: 'application/octet-stream',
};

function caught(fn: () => unknown): StratusError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StratusError);
    return err as StratusError;
  }
  throw new Error('expected an error');
}

describe('container listing bodies', () => {
  it('writes JSON as Swift (json.dumps): documented key order, ", " and ": " separators', () => {
    const listing = containerListing(json, 'marktwain', [
      goodbye,
      helloworld,
      { subdir: 'photos/' },
    ]);
    expect(listing.status).toBe(200);
    expect(listing.contentType).toBe('application/json; charset=utf-8');
    expect(listing.body).toBe(
      '[{"hash": "451e372e48e0f6b1114fa0724aa79fa1", "last_modified": "2014-01-15T16:41:49.390270", "bytes": 14, ' +
        '"name": "goodbye", "content_type": "application/octet-stream"}, ' +
        '{"hash": "ed076287532e86365e841e92bfc50d8c", "last_modified": "2014-01-15T16:37:43.427570", "bytes": 12, ' +
        '"name": "helloworld", "content_type": "application/octet-stream"}, {"subdir": "photos/"}]',
    );
    const parsed = JSON.parse(listing.body) as Record<string, unknown>[];
    expect(Object.keys(parsed[0]!)).toEqual([
      'hash',
      'last_modified',
      'bytes',
      'name',
      'content_type',
    ]);
    expect(parsed[0]).toEqual(goodbye);
  });

  it('escapes every non-ASCII character in JSON as \\uXXXX, astral ones as surrogate pairs', () => {
    expect(pyString('é😀"\\/\n\u0001\u007f')).toBe(
      '"\\u00e9\\ud83d\\ude00\\"\\\\/\\n\\u0001\\u007f"',
    );
    const body = containerListing(json, 'c', [{ ...goodbye, name: 'naïve 😀' }]).body;
    expect(body).toContain('"name": "na\\u00efve \\ud83d\\ude00"');
    expect((JSON.parse(body) as { name: string }[])[0]!.name).toBe('naïve 😀');
  });

  it('answers an empty JSON listing with 200 and []', () => {
    expect(containerListing(json, 'c', [])).toEqual({
      status: 200,
      contentType: json.contentType,
      body: '[]',
    });
  });

  it('writes XML exactly as Swift: declaration, one line, fields in Swift order', () => {
    const listing = containerListing(xml, 'marktwain', [goodbye, { subdir: 'photos/' }]);
    expect(listing.status).toBe(200);
    expect(listing.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<container name="marktwain"><object><name>goodbye</name>' +
        '<hash>451e372e48e0f6b1114fa0724aa79fa1</hash><bytes>14</bytes><content_type>application/octet-stream</content_type>' +
        '<last_modified>2014-01-15T16:41:49.390270</last_modified></object>' +
        '<subdir name="photos/"><name>photos/</name></subdir></container>',
    );
  });

  it('escapes XML as ElementTree does: & < > in text; also " and CR/LF/TAB in attributes; UTF-8 kept', () => {
    const name = `a&b<c>d"e'f é`;
    const body = containerListing(xml, `c&"<>'\t\n\r`, [
      { ...goodbye, name, content_type: '' },
    ]).body;
    expect(body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<container name="c&amp;&quot;&lt;&gt;\'&#09;&#10;&#13;"><object>' +
        `<name>a&amp;b&lt;c&gt;d"e'f é</name><hash>451e372e48e0f6b1114fa0724aa79fa1</hash><bytes>14</bytes>` +
        '<content_type /><last_modified>2014-01-15T16:41:49.390270</last_modified></object></container>',
    );
  });

  it('writes an empty XML container as an empty element', () => {
    expect(containerListing(xml, 'c', []).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<container name="c" />',
    );
  });

  it('writes plain text as one name per line, subdirs included; empty is 204 without a body', () => {
    expect(containerListing(plain, 'c', [goodbye, { subdir: 'photos/' }, helloworld])).toEqual({
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: 'goodbye\nphotos/\nhelloworld\n',
    });
    expect(containerListing(plain, 'c', [])).toEqual({
      status: 204,
      contentType: 'text/plain; charset=utf-8',
      body: '',
    });
  });
});

describe('account listing bodies', () => {
  const janeausten = {
    name: 'janeausten',
    count: 0,
    bytes: 0,
    last_modified: '2014-01-11T15:17:03.359640',
  };
  const marktwain = {
    name: 'marktwain',
    count: 1,
    bytes: 14,
    last_modified: '2014-01-15T16:37:43.427570',
  };

  it('writes JSON with name, count, bytes, last_modified', () => {
    expect(accountListing(json, 'AUTH_test', [janeausten, { subdir: 'm/' }]).body).toBe(
      '[{"name": "janeausten", "count": 0, "bytes": 0, "last_modified": "2014-01-11T15:17:03.359640"}, {"subdir": "m/"}]',
    );
    expect(accountListing(json, 'AUTH_test', []).body).toBe('[]');
  });

  it('writes XML with one entry per line, subdirs as empty elements', () => {
    expect(accountListing(xml, 'my_account', [janeausten, { subdir: 'm/' }, marktwain]).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<account name="my_account">\n' +
        '<container><name>janeausten</name><count>0</count><bytes>0</bytes><last_modified>2014-01-11T15:17:03.359640</last_modified></container>\n' +
        '<subdir name="m/" />\n' +
        '<container><name>marktwain</name><count>1</count><bytes>14</bytes><last_modified>2014-01-15T16:37:43.427570</last_modified></container>\n' +
        '</account>',
    );
    expect(accountListing(xml, 'a<b', []).body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<account name="a&lt;b">\n</account>',
    );
  });

  it('writes plain text, 204 when empty', () => {
    expect(accountListing(plain, 'a', [janeausten, marktwain]).body).toBe(
      'janeausten\nmarktwain\n',
    );
    expect(accountListing(plain, 'a', []).status).toBe(204);
  });
});

describe('listing media type', () => {
  it.each([
    [null, undefined, 'text/plain'],
    [null, '', 'text/plain'],
    ['json', undefined, 'application/json'],
    ['JSON', 'application/xml', 'application/json'],
    ['xml', 'application/json', 'application/xml'],
    ['plain', 'application/json', 'text/plain'],
    ['nonsense', 'application/json', 'text/plain'],
    [null, 'application/json', 'application/json'],
    [null, 'text/xml', 'text/xml'],
    [null, 'application/xml', 'application/xml'],
    [null, '*/*', 'text/plain'],
    [null, 'application/*', 'application/json'],
    [null, 'text/html, application/json;q=0.9, text/plain;q=0.5', 'application/json'],
    [null, 'text/*;q=0.8, application/xml', 'application/xml'],
    [null, '*/*;q=0.9, application/json;q=0.9', 'application/json'],
    [null, 'application/json; charset=utf-8', 'application/json'],
  ])('format=%s Accept=%s → %s', (format, accept, type) => {
    const media = listingMediaType(format, accept);
    expect(media.contentType).toBe(`${type}; charset=utf-8`);
    expect(media.format).toBe(
      type.endsWith('json') ? 'json' : type.endsWith('xml') ? 'xml' : 'plain',
    );
  });

  it('answers 406 when nothing offered is acceptable and 400 for an unparsable Accept', () => {
    expect(caught(() => listingMediaType(null, 'image/png')).status).toBe(406);
    expect(caught(() => listingMediaType(null, 'application/xml*')).status).toBe(406);
    const bad = caught(() => listingMediaType(null, 'json'));
    expect(bad.status).toBe(400);
    expect(bad.message).toBe('Invalid Accept header');
    expect(caught(() => listingMediaType(null, 'application/json;q=x')).status).toBe(400);
  });
});

describe('listing parameters', () => {
  const params = (query: string, allowPath = false) =>
    parseListingParams(new URLSearchParams(query), { allowPath });

  it('defaults to 10 000 entries from the start, forwards, with nothing filtered', () => {
    expect(params('')).toEqual({
      limit: 10_000,
      marker: '',
      endMarker: '',
      prefix: '',
      reverse: false,
    });
  });

  it('reads every parameter', () => {
    expect(
      params('limit=5&marker=a&end_marker=z&prefix=p&delimiter=/&reverse=on&path=x', true),
    ).toEqual({
      limit: 5,
      marker: 'a',
      endMarker: 'z',
      prefix: 'p',
      delimiter: '/',
      reverse: true,
      path: 'x',
    });
    expect(params('path=', true).path).toBe('');
    expect(params('path=x').path).toBeUndefined();
    expect(params('limit=0').limit).toBe(0);
    expect(params('limit=10000').limit).toBe(10_000);
  });

  it.each(['true', 'True', '1', 'yes', 'on', 't', 'y'])('reverse=%s is true', (value) => {
    expect(params(`reverse=${value}`).reverse).toBe(true);
  });

  it.each(['false', '0', 'no', '', 'maybe'])('reverse=%s is false', (value) => {
    expect(params(`reverse=${value}`).reverse).toBe(false);
  });

  it('refuses a limit above the maximum with 412 and Swift’s message', () => {
    const err = caught(() => params('limit=10001'));
    expect(err.status).toBe(412);
    expect(err.message).toBe('Maximum limit is 10000');
  });

  it('ignores a limit that is not a plain number, as Swift does', () => {
    expect(params('limit=abc').limit).toBe(10_000);
    expect(params('limit=-1').limit).toBe(10_000);
    expect(params('limit=1.5').limit).toBe(10_000);
  });

  it('refuses a delimiter longer than one character or above U+00FE with 412 Bad delimiter', () => {
    for (const delimiter of ['xx', '☃', '😀']) {
      const err = caught(() => params(`delimiter=${encodeURIComponent(delimiter)}`));
      expect(err.status).toBe(412);
      expect(err.message).toBe('Bad delimiter');
    }
    expect(params(`delimiter=${encodeURIComponent('þ')}`).delimiter).toBe('þ');
    expect(params('delimiter=').delimiter).toBeUndefined();
  });
});

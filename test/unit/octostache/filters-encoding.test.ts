import { expectEval } from './helpers';

describe('Function: encoding, hash and escape filters', () => {
  it.each([
    ['#{Foo | ToBase64}', { Foo: 'Foo Bar' }, 'Rm9vIEJhcg=='],
    ['#{Foo | FromBase64 utf-8}', { Foo: 'Rm9vIEJhcg==' }, 'Foo Bar'],
    ['#{Foo | ToBase64 ascii}', { Foo: 'x' }, '#{Foo | ToBase64 "ascii"}'],
    ['#{Foo | Sha256 4}', { Foo: '' }, 'e3b0c442'],
    ['#{Foo | Sha512 2 unicode}', { Foo: '' }, 'cf83'],
    ['#{Foo | HtmlEscape}', { Foo: '<a href="/x">' }, '&lt;a href=&quot;&#x2F;x&quot;&gt;'],
    ['#{Foo | XmlEscape}', { Foo: '</x>' }, '&lt;/x&gt;'],
    ['#{Foo | JsonEscape}', { Foo: 'a\\b\n' }, 'a\\\\b\\n'],
    ['#{Foo | YamlDoubleQuoteEscape}', { Foo: 'é\u0001' }, '\\u00e9\\u0001'],
    ['#{Foo | YamlSingleQuoteEscape}', { Foo: "it's\nok" }, "it''s\n\nok"],
    ['#{Foo | PropertiesKeyEscape}', { Foo: 'a b:c=ÿ' }, 'a\\ b\\:c\\=\\u00ff'],
    ['#{Foo | PropertiesValueEscape}', { Foo: ' a b' }, '\\ a b'],
    ['#{Foo | UriEscape}', { Foo: 'a b/[x]?q=ä%' }, 'a%20b/[x]?q=%C3%A4%25'],
    ['#{Foo | UriDataEscape}', { Foo: "a!'()*" }, 'a%21%27%28%29%2A'],
    ['#{Foo | UriPart Port}', { Foo: 'http://example.com:8080/x' }, '8080'],
    ['#{Foo | UriPart IsAbsoluteUri}', { Foo: '/relative' }, 'false'],
    [
      '#{Foo | UriPart Nope}',
      { Foo: 'http://x' },
      "[UriPart Nope error: argument 'Nope' not supported]",
    ],
  ])('%s', (template, variables, expected) => expectEval(template, variables, expected));

  it('echoes FromBase64 on invalid input instead of throwing', () => {
    expectEval('#{Foo | FromBase64}', { Foo: '###' }, '#{Foo | FromBase64}');
  });
});

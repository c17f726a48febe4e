import { encodeBase64, parseLine, parseMessageBody } from '../../../src/collect/service-message';

const b64 = encodeBase64;

describe('parseLine', () => {
  it('reads a message with single- or double-quoted base64 attributes', () => {
    const parsed = parseLine(`##octopus[setVariable name='${b64('A')}' value="${b64('1 2')}"]`);
    expect(parsed.kind).toBe('message');
    if (parsed.kind !== 'message') return;
    expect(parsed.message.name).toBe('setVariable');
    expect(parsed.message.attributes.get('name')).toBe('A');
    expect(parsed.message.attributes.get('value')).toBe('1 2');
  });

  it('treats attribute names case-insensitively and message names case-sensitively', () => {
    const parsed = parseLine(`##octopus[setVariable NAME='${b64('x')}' Value='${b64('y')}']`);
    expect(parsed.kind === 'message' && parsed.message.attributes.get('name')).toBe('x');
    const other = parseLine(`##octopus[setvariable name='${b64('x')}']`);
    expect(other.kind === 'message' && other.message.name).toBe('setvariable');
  });

  it('decodes UTF-8 and empty values', () => {
    const parsed = parseLine(`##octopus[progress percentage='${b64('5')}' message='']`);
    expect(parsed.kind === 'message' && parsed.message.attributes.get('message')).toBe('');
    const utf = parseLine(`##octopus[resultMessage message='${b64('Fehler: äöü ✓')}']`);
    expect(utf.kind === 'message' && utf.message.attributes.get('message')).toBe('Fehler: äöü ✓');
  });

  it('recognises messages only at the start of a line', () => {
    expect(parseLine(' ##octopus[stdout-verbose]').kind).toBe('text');
    expect(parseLine('say ##octopus[stdout-verbose]').kind).toBe('text');
  });

  it('keeps the text after the closing bracket', () => {
    const parsed = parseLine('##octopus[stdout-warning]careful');
    expect(parsed).toMatchObject({ kind: 'message', rest: 'careful' });
  });

  it('reports a message that is not closed yet as incomplete', () => {
    expect(parseLine(`##octopus[setVariable name='${b64('A')}'`).kind).toBe('incomplete');
  });

  it.each([
    ["##octopus[setVariable name='not base64!']"],
    ["##octopus[setVariable name='QQ=']"],
    ['##octopus[setVariable name=unquoted]'],
    ['##octopus[]'],
    ["##octopus[9bad name='QQ==']"],
  ])('rejects malformed %s', (line) => {
    expect(parseLine(line).kind).toBe('malformed');
  });
});

describe('parseMessageBody', () => {
  it('drops CR and LF and a leading bracket, as Calamari does', () => {
    const message = parseMessageBody(`[setVariable name='${b64('A')}'\r\n value='${b64('B')}'`);
    expect(message?.attributes.get('value')).toBe('B');
  });
});

import { createHash } from 'node:crypto';
import { hashProductKey, normaliseProductKey } from './product-key-hash';

describe('product keys at the edge', () => {
  const KEY = 'VK7JG-NPHTM-C97JM-9MPGT-3V66T';

  it('normalise case, spaces and dashes away', () => {
    expect(normaliseProductKey(KEY)).toBe('VK7JGNPHTMC97JM9MPGT3V66T');
    expect(normaliseProductKey(' vk7jg npHTM-c97jm - 9mpgt 3v66t ')).toBe('VK7JGNPHTMC97JM9MPGT3V66T');
  });

  it.each([
    '',
    'VK7JG-NPHTM-C97JM-9MPGT',
    'VK7JG-NPHTM-C97JM-9MPGT-3V66T-X',
    'VK7JG_NPHTM_C97JM_9MPGT_3V66T',
    'VK7JG-NPHTM-C97JM-9MPGT-3V66Ž',
  ])('refuse %p', (raw) => {
    expect(normaliseProductKey(raw)).toBeNull();
    expect(hashProductKey('contoso', raw)).toBeNull();
  });

  it('hash SHA-256 over the versioned prefix, the partner and the normalised key; suffix = last 5', () => {
    const expected = createHash('sha256')
      .update('pc-product-key:v1:contoso:VK7JGNPHTMC97JM9MPGT3V66T')
      .digest('hex');
    expect(hashProductKey('contoso', KEY)).toEqual({ keyHash: expected, suffix: '3V66T' });
    expect(hashProductKey('contoso', 'vk7jgnphtmc97jm9mpgt3v66t')).toEqual(hashProductKey('contoso', KEY));
    expect(hashProductKey('contoso', KEY)?.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('salt per partner: the same key is another hash for another partner', () => {
    expect(hashProductKey('fabrikam', KEY)?.keyHash).not.toBe(hashProductKey('contoso', KEY)?.keyHash);
  });
});
